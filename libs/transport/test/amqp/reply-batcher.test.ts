/**
 * reply-batcher.ts over RabbitMQ: our RpcClient asks for batched replies and gets every reply
 * right (fewer reply messages than calls); a plain amqplib caller that does not ask keeps getting
 * one plain reply per request; a caller that asks sees the batch format on the wire.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { createAmqpBus, HEADER_REPLY_BATCH, REPLY_BATCH_TYPE, type AmqpBus, type Consumer } from '../../src/index.js';
import { ReplyBatcher } from '../../src/amqp/reply-batcher.js';
import { createTestVhost, type TestVhost } from '../support/vhost.js';
import { Condition } from '../support/wait.js';

const QUEUE = 'reply-batcher.echo';

describe('amqp/reply-batcher', function () {
  this.timeout(20_000);
  let vhost: TestVhost;
  let server: AmqpBus;
  let client: AmqpBus;
  let consumer: Consumer;
  let raw: ChannelModel;
  /** every reply message a raw caller received */
  let rawCh: Channel;
  const received: ConsumeMessage[] = [];
  const arrived = new Condition();

  before(async () => {
    vhost = await createTestVhost();
    server = createAmqpBus({ url: vhost.url, name: 'reply-batcher-server' });
    client = createAmqpBus({ url: vhost.url, name: 'reply-batcher-client' });
    await Promise.all([server.waitForConnection(10_000), client.waitForConnection(10_000)]);
    // answers once all the calls of a burst are in, so that their replies share a turn
    consumer = await server.serve({ name: QUEUE, durable: false }, async (m) => ({ echo: m.body, id: m.correlationId }), { prefetch: 200 });
    raw = await amqp.connect(vhost.url, { noDelay: true });
    raw.on('error', () => {});
    rawCh = await raw.createChannel();
    await rawCh.consume('amq.rabbitmq.reply-to', (m) => {
      if (m) received.push(m);
      arrived.notify();
    }, { noAck: true });
  });
  after(async () => {
    await consumer.cancel();
    await client.close();
    await server.close();
    await raw.close().catch(() => undefined);
    await vhost.dispose();
  });

  it('our RpcClient: 200 concurrent calls, every reply to its own call', async () => {
    const replies = (await Promise.all(Array.from({ length: 200 }, (_, i) => client.call(QUEUE, { i }, { timeoutMs: 10_000 })))) as Array<{ echo: { i: number } }>;
    assert.deepEqual(replies.map((r) => r.echo.i), Array.from({ length: 200 }, (_, i) => i));
  });

  async function burst(n: number, headers: Record<string, unknown>): Promise<ConsumeMessage[]> {
    received.length = 0;
    const ids = Array.from({ length: n }, () => randomUUID());
    for (const [i, id] of ids.entries()) {
      rawCh.sendToQueue(QUEUE, Buffer.from(JSON.stringify({ i })), { replyTo: 'amq.rabbitmq.reply-to', correlationId: id, headers });
    }
    const count = () => received.reduce((n2, m) => n2 + (m.properties.type === REPLY_BATCH_TYPE ? (JSON.parse(m.content.toString()) as unknown[]).length : 1), 0);
    await arrived.wait(() => count() === n, 10_000, `${n} replies`);
    return [...received];
  }

  it('a caller that does not ask gets one plain reply per request', async () => {
    const msgs = await burst(50, {});
    assert.equal(msgs.length, 50);
    assert.ok(msgs.every((m) => m.properties.type !== REPLY_BATCH_TYPE && typeof m.properties.correlationId === 'string'));
  });

  it(`a caller that asks (${HEADER_REPLY_BATCH}: 1) gets several replies per message, each naming its call`, async () => {
    const msgs = await burst(50, { [HEADER_REPLY_BATCH]: 1 });
    assert.ok(msgs.length < 50, `fewer messages than replies (got ${msgs.length})`);
    const batch = msgs.find((m) => m.properties.type === REPLY_BATCH_TYPE);
    assert.ok(batch, 'at least one batch');
    const entries = JSON.parse(batch.content.toString()) as Array<{ c: string; b: { echo: { i: number }; id: string } }>;
    assert.ok(entries.length > 1);
    for (const e of entries) assert.equal(e.b.id, e.c, 'each body is the reply to the call its correlation id names');
  });

  it('unit: a group of one is a plain reply; a channel that refuses the batch sends each reply alone', async () => {
    const sent: Array<{ ch: string; body: string; type?: string; correlationId?: string }> = [];
    const fakeChannel = (name: string, broken = false) =>
      ({
        publish: (_ex: string, _rk: string, content: Buffer, props: { type?: string; correlationId?: string }) => {
          if (broken) throw new Error('Channel closed');
          sent.push({ ch: name, body: content.toString(), ...props });
          return true;
        },
      }) as unknown as Channel;
    const b = new ReplyBatcher();
    await b.send(fakeChannel('a'), 'to-1', 'c1', '{"x":1}');
    assert.deepEqual(sent, [{ ch: 'a', body: '{"x":1}', contentType: 'application/json', correlationId: 'c1', headers: {} }]);
    sent.length = 0;
    await Promise.all([b.send(fakeChannel('broken', true), 'to-1', 'c2', '2'), b.send(fakeChannel('b'), 'to-1', 'c3', '3')]);
    assert.deepEqual(
      sent.map((s) => [s.ch, s.correlationId, s.body]),
      [['b', 'c3', '3']],
      'the batch failed on the broken channel; c3 went alone on its own channel, c2 could not be sent',
    );
  });
});
