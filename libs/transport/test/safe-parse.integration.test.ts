/**
 * Both buses parse every message with the contracts' parseJson (no `__proto__` / `constructor` /
 * `prototype` key, no nesting deeper than BUS_JSON_MAX_DEPTH): an RPC request answers
 * invalid_message without running the handler, an event is dropped without reaching its
 * handler, a reply is refused (the call fails), and Object.prototype is never touched. The memory
 * bus's serialisation of a value too deep for the stack is an UnsafeJsonError, not a RangeError.
 */
import assert from 'node:assert/strict';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { BUS_JSON_MAX_DEPTH, UnsafeJsonError } from '@qubicle/contracts';
import { createAmqpBus, createMemoryBus, type AmqpBus, type MemoryBus } from '../src/index.js';
import { createTestVhost, type TestVhost } from './support/vhost.js';
import { Condition } from './support/wait.js';

const HOSTILE = [
  '{"type":"get_status","__proto__":{"polluted":1}}',
  '{"a":[{"b":{"constructor":{"prototype":{"polluted":1}}}}]}',
  '{"\\u005f_proto__":{"polluted":1}}',
  `{"deep":${'['.repeat(BUS_JSON_MAX_DEPTH + 1)}${']'.repeat(BUS_JSON_MAX_DEPTH + 1)}}`,
];

function assertPrototypeUntouched(): void {
  assert.deepEqual(Object.keys(Object.prototype), []);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
}

function assertInvalidMessage(reply: unknown, text: string): void {
  const r = reply as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  assert.equal(r.ok, false, text);
  assert.equal(r.error?.code, 'invalid_message', text);
  assert.match(String(r.error?.message), /not allowed|nested deeper/, text);
}

describe('transport: the safe parse on the AMQP bus (real RabbitMQ)', function () {
  this.timeout(30_000);
  let vhost: TestVhost;
  let bus: AmqpBus;
  let conn: ChannelModel;
  let ch: Channel;
  const replies = new Map<string, ConsumeMessage>();
  const arrived = new Condition();

  before(async () => {
    vhost = await createTestVhost();
    bus = createAmqpBus({ url: vhost.url, name: 'safe-parse-test' });
    await bus.waitForConnection(10_000);
    conn = await amqp.connect(vhost.url);
    ch = await conn.createChannel();
    await ch.consume(
      'amq.rabbitmq.reply-to',
      (m) => {
        if (!m) return;
        replies.set(String(m.properties.correlationId), m);
        arrived.notify();
      },
      { noAck: true },
    );
  });
  after(async () => {
    await conn?.close().catch(() => {});
    await bus?.close();
    await vhost?.dispose();
  });

  async function rawCall(queue: string, text: string, id: string): Promise<unknown> {
    ch.sendToQueue(queue, Buffer.from(text), { replyTo: 'amq.rabbitmq.reply-to', correlationId: id });
    await arrived.wait(() => replies.has(id), 5_000, `reply ${id}`);
    return JSON.parse(replies.get(id)!.content.toString('utf8'));
  }

  it('an RPC request with a prototype key or too deep answers invalid_message; the handler never runs', async () => {
    let handled = 0;
    await bus.serve({ name: 'safe.rpc' }, async () => {
      handled++;
      return 'ran';
    }, { prefetch: 5 });
    for (const [i, text] of HOSTILE.entries()) assertInvalidMessage(await rawCall('safe.rpc', text, `hostile-${i}`), text);
    assert.equal(handled, 0);
    assertPrototypeUntouched();
    assert.equal(await bus.call('safe.rpc', { fine: true }, { timeoutMs: 3000 }), 'ran');
  });

  it('an event with a prototype key never reaches its handler; the next one does', async () => {
    const seen: unknown[] = [];
    const got = new Condition();
    await bus.declareExchange('safe.events', 'topic');
    await bus.subscribe({ exchange: 'safe.events', bindingKeys: ['#'] }, async (msg) => {
      seen.push(msg.body);
      got.notify();
    });
    for (const text of HOSTILE) ch.publish('safe.events', 'k', Buffer.from(text));
    ch.publish('safe.events', 'k', Buffer.from('{"n":"after"}'));
    await got.wait(() => seen.length > 0, 5_000, 'the good event');
    assert.deepEqual(seen, [{ n: 'after' }]);
    assertPrototypeUntouched();
  });

  it('a reply with a prototype key is refused: the call fails, nothing is polluted', async () => {
    await ch.assertQueue('safe.liar', { durable: false });
    await ch.consume('safe.liar', (m) => {
      if (!m) return;
      ch.sendToQueue(m.properties.replyTo as string, Buffer.from('{"ok":true,"data":{"__proto__":{"polluted":1}}}'), { correlationId: m.properties.correlationId });
      ch.ack(m);
    });
    await assert.rejects(bus.call('safe.liar', {}, { timeoutMs: 3000 }), /__proto__/);
    assertPrototypeUntouched();
  });

  it('a value too deep to serialise is an UnsafeJsonError here too (the one encode of wire.ts), for a call and a publish', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    const unsafe = (err: unknown) => err instanceof UnsafeJsonError && err.error.code === 'invalid_message';
    await assert.rejects(bus.call('safe.rpc', deep, { timeoutMs: 1000 }), unsafe);
    await assert.rejects(bus.publish('safe.events', 'k', deep), unsafe);
  });
});

describe('transport: the safe parse on the memory bus', () => {
  let bus: MemoryBus;
  beforeEach(() => {
    bus = createMemoryBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  it('an RPC request with a prototype key or too deep answers invalid_message; the handler never runs', async () => {
    let handled = 0;
    await bus.serve({ name: 'safe' }, async () => {
      handled++;
      return 'ran';
    }, { prefetch: 1 });
    for (const text of HOSTILE) assertInvalidMessage(await bus.callRaw('safe', text, { timeoutMs: 1000 }), text);
    assert.equal(handled, 0);
    assertPrototypeUntouched();
    assert.equal(await bus.call('safe', {}, { timeoutMs: 1000 }), 'ran');
  });

  it('a value too deep to serialise is an UnsafeJsonError (a 400 at the gateway), not a RangeError (a 500)', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    await bus.serve({ name: 'deep' }, async () => 'ran', { prefetch: 1 });
    await assert.rejects(bus.call('deep', deep, { timeoutMs: 1000 }), (err: unknown) => err instanceof UnsafeJsonError && err.error.code === 'invalid_message');
  });
});
