import assert from 'node:assert/strict';
import { createGatewayLogger } from '../src/logger.js';

describe('logger', () => {
  it('JSON lines with service, node and level names; secrets redacted by key at any of three levels', () => {
    const lines: string[] = [];
    const log = createGatewayLogger({ level: 'info', node: 'gw-1' }, { write: (s: string) => void lines.push(s) });
    log.info(
      {
        token: 'tok-0',
        auth_token: 'tok-1',
        data: { credentials: 'md5-creds', api_key: 'key-1', password: 'pw-1' },
        req: { headers: { 'x-auth-token': 'tok-2', authorization: 'Bearer tok-3', cookie: 'c=1' } },
        request_id: 'r-1',
      },
      'hello',
    );
    const line = JSON.parse(lines[0]!);
    assert.equal(line.level, 'info');
    assert.equal(line.service, 'api-gateway');
    assert.equal(line.node, 'gw-1');
    assert.equal(line.request_id, 'r-1');
    for (const secret of ['tok-0', 'tok-1', 'tok-2', 'tok-3', 'md5-creds', 'key-1', 'pw-1', 'c=1']) assert.ok(!lines[0]!.includes(secret), secret);
  });
});
