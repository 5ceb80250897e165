/** Reading a websocket client message (src/live/client-messages.ts). */
import assert from 'node:assert/strict';
import { readClientMessage } from '../../src/live/client-messages.js';

describe('live: reading client messages', () => {
  it('a valid message, with its request_id, from text in any of ws\'s shapes', () => {
    const text = '{"action":"ping","request_id":"r-1"}';
    for (const data of [Buffer.from(text), [Buffer.from(text.slice(0, 9)), Buffer.from(text.slice(9))], new Uint8Array(Buffer.from(text)).buffer]) {
      const read = readClientMessage(data as Buffer, false);
      assert.ok(read.ok, 'read');
      assert.equal(read.msg.action, 'ping');
      assert.equal(read.requestId, 'r-1');
    }
  });

  it('binary, not JSON, a prototype key: invalid_message without a request_id', () => {
    const cases: Array<[Buffer, boolean, string]> = [
      [Buffer.from('{"action":"ping"}'), true, 'binary messages are not supported: send JSON text'],
      [Buffer.from('{"action":'), false, 'message is not valid JSON'],
      [Buffer.from('{"action":"ping","request_id":"r","__proto__":{}}'), false, 'message refused: the key "__proto__" is not allowed'],
    ];
    for (const [data, binary, why] of cases) {
      const read = readClientMessage(data, binary);
      assert.ok(!read.ok);
      assert.equal(read.requestId, undefined);
      assert.equal(read.refusal.code, 'invalid_message');
      assert.deepEqual(read.refusal.errors, [why]);
    }
  });

  it('against its contract: refused with the details, and the request_id when it is a usable one', () => {
    const read = readClientMessage(Buffer.from('{"action":"subscribe","request_id":"r-2","data":{}}'), false);
    assert.ok(!read.ok);
    assert.equal(read.requestId, 'r-2');
    assert.equal(read.refusal.code, 'invalid_message');
    assert.ok(read.refusal.details, 'validation details');
    const tooLong = readClientMessage(Buffer.from(JSON.stringify({ action: 'nope', request_id: 'x'.repeat(257) })), false);
    assert.ok(!tooLong.ok);
    assert.equal(tooLong.requestId, undefined, 'a request_id longer than 256 is not echoed');
  });
});
