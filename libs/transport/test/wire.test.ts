import assert from 'node:assert/strict';
import { DEAD_LETTER_REASON_MAX, deadLetterHeaders, encodeReply, readDeadline } from '../src/wire.js';

describe('wire helpers', () => {
  it('deadLetterHeaders: one set of headers for every cause', () => {
    const rows: Array<[string, Parameters<typeof deadLetterHeaders>[0], Record<string, unknown>]> = [
      ['all ids', { queue: 'q', reason: 'invalid_message: x', messageId: 'm', correlationId: 'c' }, { 'x-reason': 'invalid_message: x', 'x-original-queue': 'q', 'x-correlation-id': 'c', 'x-original-message-id': 'm' }],
      ['no ids: empty correlation id, no message id', { queue: 'q', reason: 'forbidden: y' }, { 'x-reason': 'forbidden: y', 'x-original-queue': 'q', 'x-correlation-id': '' }],
      ['own headers kept, ours win', { queue: 'q', reason: 'r', headers: { 'x-request-id': 'r-1', 'x-original-queue': 'spoof' }, messageId: 'm' }, { 'x-request-id': 'r-1', 'x-reason': 'r', 'x-original-queue': 'q', 'x-correlation-id': '', 'x-original-message-id': 'm' }],
      ["an empty message id is none", { queue: 'q', reason: 'r', messageId: '' }, { 'x-reason': 'r', 'x-original-queue': 'q', 'x-correlation-id': '' }],
    ];
    for (const [name, input, expected] of rows) assert.deepEqual(deadLetterHeaders(input), expected, name);
  });

  it('deadLetterHeaders: a long reason is cut', () => {
    const h = deadLetterHeaders({ queue: 'q', reason: 'x'.repeat(5000) });
    assert.equal(String(h['x-reason']).length, DEAD_LETTER_REASON_MAX);
  });

  it('encodeReply: JSON, or the internal error reply for what cannot be serialised', () => {
    assert.equal(encodeReply({ a: 1 }), '{"a":1}');
    assert.equal(encodeReply(undefined), 'null');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    let reported: unknown;
    const json = JSON.parse(encodeReply(cyclic, (err) => (reported = err))) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(json.ok, false);
    assert.equal(json.error.code, 'internal');
    assert.match(json.error.message, /^reply not serialisable/);
    assert.ok(reported instanceof Error);
  });

  it('readDeadline: a number or a numeric string', () => {
    assert.equal(readDeadline({ 'x-deadline': 5 }), 5);
    assert.equal(readDeadline({ 'x-deadline': '7' }), 7);
    assert.equal(readDeadline({ 'x-deadline': 'soon' }), undefined);
    assert.equal(readDeadline({}), undefined);
  });
});
