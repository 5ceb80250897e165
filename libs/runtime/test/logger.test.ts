import assert from 'node:assert/strict';
import { createJsonLogger } from '@qubicle/runtime';

describe('createJsonLogger', () => {
  it('JSON lines: ISO time, level name, the base fields; secrets redacted by key', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ level: 'info', base: { service: 's', node: 'n' } }, { write: (s: string) => void lines.push(s) });
    log.debug('not at info');
    log.info({ password: 'pw-1', data: { api_key: 'key-1' }, request_id: 'r-1' }, 'hello');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!);
    assert.equal(line.level, 'info');
    assert.match(line.time, /^\d{4}-\d\d-\d\dT/);
    assert.equal(line.service, 's');
    assert.equal(line.node, 'n');
    assert.equal(line.request_id, 'r-1');
    assert.equal(line.msg, 'hello');
    for (const secret of ['pw-1', 'key-1']) assert.ok(!lines[0]!.includes(secret), secret);
  });
});
