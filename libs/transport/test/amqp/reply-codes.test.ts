import assert from 'node:assert/strict';
import { REPLY_CODES, isFatalAtConnect } from '../../src/amqp/reply-codes.js';
import { HandshakeCloseError, handshakeRefusal } from '../../src/amqp/handshake-close.js';

describe('amqp reply codes', () => {
  it('every code has a name and a reason', () => {
    for (const [code, entry] of Object.entries(REPLY_CODES)) {
      assert.match(entry.name, /^[A-Z_]+$/, `name of ${code}`);
      assert.ok(entry.why.length > 20, `why of ${code}`);
    }
  });

  it('fatal at connect: only what no retry can fix', () => {
    const rows: Array<[number, string, boolean]> = [
      [403, 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN', true],
      [530, "NOT_ALLOWED - access to vhost 'v' refused for user 'u'", true],
      [530, "NOT_ALLOWED - vhost v not found", true],
      [530, "NOT_ALLOWED - access to vhost 'v' refused for user 'u': vhost connection limit (10) is reached", false],
      [402, 'INVALID_PATH', true],
      [320, 'CONNECTION_FORCED - broker forced connection closure with reason shutdown', false],
      [405, 'RESOURCE_LOCKED - cannot obtain exclusive access to locked queue', false],
      [406, 'PRECONDITION_FAILED', false],
      [404, 'NOT_FOUND', false],
      [501, 'FRAME_ERROR', false],
      [541, 'INTERNAL_ERROR', false],
      [999, 'unknown', false],
    ];
    for (const [code, text, fatal] of rows) assert.equal(isFatalAtConnect(code, text), fatal, `${code} ${text}`);
  });

  it('handshakeRefusal reads the code of a refused handshake, and nothing from a network error', () => {
    assert.deepEqual(handshakeRefusal(new HandshakeCloseError(530, 'NOT_ALLOWED - x')), { code: 530, text: 'NOT_ALLOWED - x' });
    assert.deepEqual(
      handshakeRefusal(new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"')),
      { code: 403, text: 'ACCESS_REFUSED - Login was refused' },
    );
    assert.equal(handshakeRefusal(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), undefined);
    assert.equal(handshakeRefusal('Handshake terminated by server: 403'), undefined);
  });
});
