import assert from 'node:assert/strict';
import { createWorkerLogger } from '../src/logger.js';

describe('logger', () => {
  it('JSON lines with service and level names; secrets redacted by key at any of three levels', () => {
    const lines: string[] = [];
    const log = createWorkerLogger({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    log.child({ node: 'n1' }).info(
      {
        password: 'pw-1',
        data: { credentials: 'md5-creds', api_key: 'key-1' },
        req: { headers: { 'x-auth-token': 'tok-1', authorization: 'Bearer tok-2' } },
        a: { b: { hash: 'scrypt-hash', auth_token: 'tok-3' } },
        body: { anything: 'at all' },
        request_id: 'r-1',
      },
      'hello',
    );
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!);
    assert.equal(line.level, 'info');
    assert.equal(line.service, 'recipient-worker');
    assert.equal(line.node, 'n1');
    assert.equal(line.request_id, 'r-1');
    assert.match(line.time, /^\d{4}-\d\d-\d\dT/);
    for (const secret of ['pw-1', 'md5-creds', 'key-1', 'tok-1', 'tok-2', 'tok-3', 'scrypt-hash', 'at all']) {
      assert.ok(!lines[0]!.includes(secret), `${secret} redacted`);
    }
  });
});
