/** The serve policy (src/serve-policy.ts) as a table: one row per rule, both stages. */
import assert from 'node:assert/strict';
import { NO_REPLY, REQUEUE } from '../src/bus.js';
import { decide, type Disposition, type HandlerOutcome, type ServePolicy } from '../src/serve-policy.js';
import type { WireMessage } from '../src/wire.js';

const NOW = 1_700_000_000_000;
const REPLY_TO = 'good.reply-to';
const policy = (deadLetterExchange?: string): ServePolicy => ({
  deadLetterExchange,
  replyAddressProblem: (replyTo) => (replyTo === REPLY_TO ? undefined : 'not ours'),
});
const msg = (over: Partial<WireMessage> = {}): WireMessage => ({
  content: '{"a":1}',
  queue: 'q',
  routingKey: 'q',
  headers: {},
  redelivered: false,
  messageId: 'm-1',
  correlationId: 'c-1',
  ...over,
});

/** The parts of a disposition a row states (a `handle` row: the body the handler gets). */
function shape(d: Disposition): Record<string, unknown> {
  switch (d.kind) {
    case 'handle':
      return { kind: d.kind, body: d.message.body };
    case 'dead-letter':
      return { kind: d.kind, exchange: d.exchange, routingKey: d.routingKey, reason: d.reason.replace(/: .*$/s, ': …'), cause: d.cause };
    case 'reject':
      return { kind: d.kind, reason: d.reason.replace(/: .*$/s, ': …'), cause: d.cause };
    case 'reply':
      return { kind: d.kind, body: d.body, ...(d.cause ? { cause: d.cause } : {}) };
    default:
      return { ...d };
  }
}

const internalOf = (message: string) => ({ ok: false, error: { code: 'internal', message } });

describe('serve policy: decide(message, now)', () => {
  const rows: Array<[string, WireMessage, ServePolicy, HandlerOutcome | undefined, Record<string, unknown>]> = [
    // --- before the handler
    ['valid RPC → handle', msg({ replyTo: REPLY_TO }), policy(), undefined, { kind: 'handle', body: { a: 1 } }],
    ['valid fire-and-forget → handle', msg(), policy('dlx'), undefined, { kind: 'handle', body: { a: 1 } }],
    ['past x-deadline → drop-expired', msg({ replyTo: REPLY_TO, headers: { 'x-deadline': NOW - 1 } }), policy(), undefined, { kind: 'drop-expired', deadline: NOW - 1 }],
    ['x-deadline as a string counts too', msg({ headers: { 'x-deadline': String(NOW - 5) } }), policy(), undefined, { kind: 'drop-expired', deadline: NOW - 5 }],
    ['deadline exactly now → still handled', msg({ headers: { 'x-deadline': NOW } }), policy(), undefined, { kind: 'handle', body: { a: 1 } }],
    ['expired AND invalid JSON → drop-expired first', msg({ content: 'nope', headers: { 'x-deadline': NOW - 1 } }), policy('dlx'), undefined, { kind: 'drop-expired', deadline: NOW - 1 }],
    ['unanswerable replyTo, with DLX → dead-letter', msg({ replyTo: 'elsewhere' }), policy('dlx'), undefined, { kind: 'dead-letter', exchange: 'dlx', routingKey: 'q', reason: 'invalid_reply_to: …', cause: 'invalid_reply_to' }],
    ['unanswerable replyTo, without DLX → reject', msg({ replyTo: 'elsewhere' }), policy(), undefined, { kind: 'reject', reason: 'invalid_reply_to: …', cause: 'invalid_reply_to' }],
    ['unanswerable replyTo AND invalid JSON → invalid_reply_to first', msg({ replyTo: 'elsewhere', content: '{' }), policy('dlx'), undefined, { kind: 'dead-letter', exchange: 'dlx', routingKey: 'q', reason: 'invalid_reply_to: …', cause: 'invalid_reply_to' }],
    ['invalid JSON RPC → reply invalid_message', msg({ replyTo: REPLY_TO, content: '{' }), policy('dlx'), undefined, { kind: 'reply', body: { ok: false, error: { code: 'invalid_message', message: 'invalid JSON: …' } }, cause: 'invalid_json' }],
    ['invalid JSON fire-and-forget, with DLX → dead-letter', msg({ content: 'not json' }), policy('dlx'), undefined, { kind: 'dead-letter', exchange: 'dlx', routingKey: 'q', reason: 'invalid_message: …', cause: 'invalid_json' }],
    ['invalid JSON fire-and-forget, without DLX → reject', msg({ content: 'not json' }), policy(), undefined, { kind: 'reject', reason: 'invalid_message: …', cause: 'invalid_json' }],
    ['a __proto__ key is invalid JSON', msg({ content: '{"__proto__":{}}' }), policy('dlx'), undefined, { kind: 'dead-letter', exchange: 'dlx', routingKey: 'q', reason: 'invalid_message: …', cause: 'invalid_json' }],
    ["replyTo '' is fire-and-forget", msg({ replyTo: '', content: 'x' }), policy('dlx'), undefined, { kind: 'dead-letter', exchange: 'dlx', routingKey: 'q', reason: 'invalid_message: …', cause: 'invalid_json' }],
    // --- after the handler
    ['RPC, handler returned a value → reply it', msg({ replyTo: REPLY_TO }), policy(), { returned: { ok: true } }, { kind: 'reply', body: { ok: true } }],
    ['fire-and-forget, handler returned a value → ack', msg(), policy('dlx'), { returned: { ok: true } }, { kind: 'ack' }],
    ['NO_REPLY → ack', msg({ replyTo: REPLY_TO }), policy(), { returned: NO_REPLY }, { kind: 'ack' }],
    ['REQUEUE → requeue', msg({ replyTo: REPLY_TO }), policy(), { returned: REQUEUE }, { kind: 'requeue' }],
    ['REQUEUE fire-and-forget → requeue', msg(), policy(), { returned: REQUEUE }, { kind: 'requeue' }],
    ['RPC, handler threw → reply internal', msg({ replyTo: REPLY_TO }), policy(), { threw: new Error('boom') }, { kind: 'reply', body: internalOf('boom'), cause: 'handler_threw' }],
    ['fire-and-forget, handler threw → ack', msg(), policy('dlx'), { threw: new Error('boom') }, { kind: 'ack' }],
    ['after the handler the deadline no longer matters', msg({ replyTo: REPLY_TO, headers: { 'x-deadline': NOW - 1 } }), policy(), { returned: 1 }, { kind: 'reply', body: 1 }],
  ];
  for (const [name, m, p, outcome, expected] of rows) {
    it(name, () => {
      const got = shape(decide(m, NOW, p, outcome));
      if (got.kind === 'reply' && typeof (got.body as { error?: { message?: string } })?.error?.message === 'string' && expected.kind === 'reply') {
        const e = (got.body as { error: { message: string } }).error;
        if ((expected.body as { error: { message: string } }).error.message.endsWith('…')) e.message = e.message.replace(/: .*$/s, ': …');
      }
      assert.deepEqual(got, expected);
    });
  }

  it('a handled message carries what the transport read from the headers', () => {
    const d = decide(msg({ replyTo: REPLY_TO, userId: 'svc', headers: { 'x-request-id': 'r-1', 'x-deadline': NOW + 10 } }), NOW, policy());
    assert.equal(d.kind, 'handle');
    const m = d.kind === 'handle' ? d.message : undefined;
    assert.deepEqual(
      { requestId: m?.requestId, deadline: m?.deadline, replyTo: m?.replyTo, userId: m?.userId, messageId: m?.messageId, correlationId: m?.correlationId },
      { requestId: 'r-1', deadline: NOW + 10, replyTo: REPLY_TO, userId: 'svc', messageId: 'm-1', correlationId: 'c-1' },
    );
  });

  it('a dead letter gets the dead-letter headers (x-original-message-id included) on top of its own', () => {
    const d = decide(msg({ content: 'not json', headers: { 'x-request-id': 'r-9', 'x-reason': 'spoofed' } }), NOW, policy('dlx'));
    assert.equal(d.kind, 'dead-letter');
    const h = d.kind === 'dead-letter' ? d.headers : {};
    assert.equal(h['x-request-id'], 'r-9');
    assert.match(String(h['x-reason']), /^invalid_message: invalid JSON: /);
    assert.equal(h['x-original-queue'], 'q');
    assert.equal(h['x-correlation-id'], 'c-1');
    assert.equal(h['x-original-message-id'], 'm-1');
  });
});
