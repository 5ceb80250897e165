import { strict as assert } from 'node:assert';
import { createMemoryBus, NO_REPLY, type IncomingMessage } from '@qubicle/transport';

describe('memory bus: serve() replyTo and deadLetterExchange', () => {
  it('the handler sees replyTo for an RPC and none for a fire-and-forget message', async () => {
    const bus = createMemoryBus();
    const seen: IncomingMessage[] = [];
    await bus.serve({ name: 'q' }, async (m) => {
      seen.push(m);
      return m.replyTo ? { ok: true } : NO_REPLY;
    }, { prefetch: 1 });
    assert.deepEqual(await bus.call('q', { a: 1 }, { timeoutMs: 1000 }), { ok: true });
    bus.sendRaw('q', '{"b":2}');
    await bus.call('q', { c: 3 }, { timeoutMs: 1000 });
    assert.equal(typeof seen[0]!.replyTo, 'string');
    assert.equal(seen[1]!.replyTo, undefined);
    await bus.close();
  });

  it('invalid JSON without replyTo goes to the deadLetterExchange (reason, queue, correlation id) and is acked; without the option it is dropped', async () => {
    const bus = createMemoryBus();
    await bus.declareExchange('dlx', 'fanout');
    await bus.declareQueue({ name: 'dlq' }, [{ exchange: 'dlx', routingKey: '' }]);
    const handler = async (m: IncomingMessage) => (m.replyTo ? { ok: true } : NO_REPLY);
    await bus.serve({ name: 'with' }, handler, { prefetch: 1, deadLetterExchange: 'dlx' });
    await bus.serve({ name: 'without' }, handler, { prefetch: 1 });
    bus.sendRaw('with', 'not json', { 'x-request-id': 'r1' });
    bus.sendRaw('without', 'not json either');
    // an RPC on each queue after it: both consumers are still serving
    assert.deepEqual(await bus.call('with', {}, { timeoutMs: 1000 }), { ok: true });
    assert.deepEqual(await bus.call('without', {}, { timeoutMs: 1000 }), { ok: true });
    assert.equal(bus.queueDepth('dlq'), 1);
    assert.equal(bus.queueDepth('with'), 0);
    const got: IncomingMessage[] = [];
    const invalid: string[] = [];
    // the dead letter is the raw text: read it through the memory bus's dead-letter record instead of parsing it
    await bus.subscribe({ exchange: 'dlx', bindingKeys: [''], queue: { name: 'dlq' } }, async (m) => {
      got.push(m);
    });
    for (let i = 0; i < 1000 && !bus.deadLetters.some((d) => d.queue === 'dlq'); i++) await new Promise((r) => setImmediate(r));
    const rejected = bus.deadLetters.filter((d) => d.queue === 'dlq');
    for (const d of rejected) invalid.push(d.content);
    assert.deepEqual(invalid, ['not json'], 'the subscriber could not parse it: rejected from the dlq, content intact');
    assert.equal(rejected[0]!.headers['x-original-queue'], 'with');
    assert.match(String(rejected[0]!.headers['x-reason']), /^invalid_message: invalid JSON/);
    assert.equal(rejected[0]!.headers['x-request-id'], 'r1');
    assert.ok(bus.deadLetters.some((d) => d.queue === 'without' && d.reason === 'rejected'), 'without the option: nacked (dropped, no DLX)');
    assert.equal(got.length, 0);
    await bus.close();
  });

  it('a replyTo this bus cannot answer: not executed, dead-lettered with the reason (or dropped without the option), the consumer keeps serving', async () => {
    const bus = createMemoryBus();
    await bus.declareExchange('dlx', 'fanout');
    await bus.declareQueue({ name: 'dlq' }, [{ exchange: 'dlx', routingKey: '' }]);
    const ran: unknown[] = [];
    const handler = async (m: IncomingMessage) => {
      ran.push(m.body);
      return { ok: true };
    };
    await bus.serve({ name: 'with' }, handler, { prefetch: 1, deadLetterExchange: 'dlx' });
    await bus.serve({ name: 'without' }, handler, { prefetch: 1 });
    bus.sendRaw('with', '{"bad":1}', {}, { replyTo: 'amq.rabbitmq.reply-to.garbage.key', correlationId: 'c-bad' });
    bus.sendRaw('without', '{"bad":2}', {}, { replyTo: 'some.queue' });
    assert.deepEqual(await bus.call('with', { good: 1 }, { timeoutMs: 1000 }), { ok: true });
    assert.deepEqual(await bus.call('without', { good: 2 }, { timeoutMs: 1000 }), { ok: true });
    assert.deepEqual(ran, [{ good: 1 }, { good: 2 }], 'the handler never saw the unanswerable ones');
    assert.equal(bus.queueDepth('with'), 0);
    assert.equal(bus.queueDepth('dlq'), 1);
    assert.ok(bus.deadLetters.some((d) => d.queue === 'without' && d.reason === 'rejected' && d.content === '{"bad":2}'), 'without the option: rejected');
    const dead: IncomingMessage[] = [];
    await bus.subscribe({ exchange: 'dlx', bindingKeys: [''], queue: { name: 'dlq' } }, async (m) => {
      dead.push(m);
    });
    for (let i = 0; i < 1000 && dead.length === 0; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(dead[0]?.body, { bad: 1 });
    assert.match(String(dead[0]?.headers['x-reason']), /^invalid_reply_to: not a reply address of this bus/);
    assert.equal(dead[0]?.headers['x-original-queue'], 'with');
    assert.equal(dead[0]?.headers['x-correlation-id'], 'c-bad');
    await bus.close();
  });
});
