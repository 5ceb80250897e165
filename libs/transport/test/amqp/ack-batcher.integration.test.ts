/**
 * ack-batcher.ts: unit tests over a recording channel (the frames it would send), then the real
 * thing over RabbitMQ (bulk acks accepted by the broker, nothing redelivered, nothing lost).
 */
import assert from 'node:assert/strict';
import amqp, { type ChannelModel, type Message } from 'amqplib';
import { createAmqpBus, type AmqpBus } from '../../src/index.js';
import { AckBatcher } from '../../src/amqp/ack-batcher.js';
import { createTestVhost, type TestVhost } from '../support/vhost.js';
import { Condition, deferred } from '../support/wait.js';

type Frame = [kind: 'ack' | 'nack', tag: number, multiple: boolean, requeue?: boolean];

function recorder(): { ch: { ack(m: Message, all?: boolean): void; nack(m: Message, all?: boolean, requeue?: boolean): void }; frames: Frame[] } {
  const frames: Frame[] = [];
  return {
    frames,
    ch: {
      ack: (m, all = false) => void frames.push(['ack', m.fields.deliveryTag, all]),
      nack: (m, all = false, requeue = true) => void frames.push(['nack', m.fields.deliveryTag, all, requeue]),
    },
  };
}

const msg = (tag: number) => ({ fields: { deliveryTag: tag } }) as unknown as Message;
const turn = () => new Promise<void>((r) => setImmediate(r));

describe('amqp/ack-batcher', () => {
  it('acks a turn of in-order completions with ONE bulk ack naming the last', async () => {
    const { ch, frames } = recorder();
    const b = new AckBatcher(ch);
    for (let t = 1; t <= 10; t++) b.delivered(msg(t));
    for (let t = 1; t <= 10; t++) b.ack(msg(t));
    assert.deepEqual(frames, [], 'nothing sent before the end of the turn');
    await turn();
    assert.deepEqual(frames, [['ack', 10, true]]);
    assert.equal(b.pending, 0);
  });

  it('never bulk-acks past a delivery still running; a straggler goes alone after maxHoldMs', async () => {
    const { ch, frames } = recorder();
    const b = new AckBatcher(ch, { maxHoldMs: 30 });
    for (let t = 1; t <= 4; t++) b.delivered(msg(t));
    b.ack(msg(1));
    b.ack(msg(3)); // 2 still running
    await turn();
    assert.deepEqual(frames, [['ack', 1, true]], 'only the settled prefix');
    assert.equal(b.pending, 1);
    const waited = Date.now();
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(frames.slice(1), [['ack', 3, false]], 'the straggler alone, never a bulk ack over 2');
    assert.ok(Date.now() - waited >= 30);
    b.ack(msg(2));
    b.ack(msg(4));
    await turn();
    assert.deepEqual(frames.slice(2), [['ack', 4, true]], 'then 2 and 4 in one bulk ack (3 is already settled)');
  });

  it('the bulk tag is always a message acked here, even when the prefix ends on a nack', async () => {
    const { ch, frames } = recorder();
    const b = new AckBatcher(ch);
    for (let t = 1; t <= 3; t++) b.delivered(msg(t));
    b.ack(msg(1));
    b.ack(msg(2));
    b.nack(msg(3), true);
    assert.deepEqual(frames, [['nack', 3, false, true]], 'a nack is sent at once, alone');
    await turn();
    assert.deepEqual(frames.slice(1), [['ack', 2, true]]);
  });

  it('sends held stragglers at once when too many pile up (they count against the prefetch)', async () => {
    const { ch, frames } = recorder();
    const b = new AckBatcher(ch, { maxHeld: 3, maxHoldMs: 10_000 });
    for (let t = 1; t <= 5; t++) b.delivered(msg(t));
    for (let t = 2; t <= 5; t++) b.ack(msg(t));
    await turn();
    assert.deepEqual(frames, [['ack', 2, false], ['ack', 3, false], ['ack', 4, false], ['ack', 5, false]]);
  });

  it('flushAll sends everything held, synchronously (before a channel is closed on purpose)', () => {
    const { ch, frames } = recorder();
    const b = new AckBatcher(ch);
    for (let t = 1; t <= 3; t++) b.delivered(msg(t));
    b.ack(msg(1));
    b.ack(msg(3));
    b.flushAll();
    assert.deepEqual(frames, [['ack', 1, true], ['ack', 3, false]]);
    assert.equal(b.pending, 0);
  });

  it('a closed channel (amqplib throws) drops the state and reports it once', async () => {
    let closed = 0;
    const b = new AckBatcher(
      {
        ack: () => {
          throw new Error('Channel closed');
        },
        nack: () => {},
      },
      { onClosed: () => closed++ },
    );
    b.delivered(msg(1));
    b.ack(msg(1));
    await turn();
    assert.equal(closed, 1);
    assert.equal(b.pending, 0);
  });

  describe('over RabbitMQ', function () {
    this.timeout(20_000);
    let vhost: TestVhost;
    let bus: AmqpBus;
    let raw: ChannelModel;

    before(async () => {
      vhost = await createTestVhost();
      bus = createAmqpBus({ url: vhost.url, name: 'ack-batcher-test' });
      await bus.waitForConnection(10_000);
      raw = await amqp.connect(vhost.url, { noDelay: true });
      raw.on('error', () => {});
    });
    after(async () => {
      await bus.close();
      await raw.close().catch(() => undefined);
      await vhost.dispose();
    });

    it('concurrent handlers finishing out of order: every message acked once, none redelivered after cancel', async () => {
      const queue = 'ack-batcher.rpc';
      const seen = new Map<number, number>();
      const gates: Array<() => void> = [];
      const started = new Condition();
      const consumer = await bus.serve({ name: queue, durable: false }, async (m) => {
        const i = (m.body as { i: number }).i;
        seen.set(i, (seen.get(i) ?? 0) + 1);
        // odd ones finish at once, even ones when released (out of order, stragglers held)
        if (i % 2 === 0) await new Promise<void>((r) => gates.push(r));
        started.notify();
        return { i };
      }, { prefetch: 100 });
      const calls = Array.from({ length: 60 }, (_, i) => bus.call(queue, { i }, { timeoutMs: 10_000 }));
      await started.wait(() => gates.length === 30, 10_000, '30 even handlers waiting');
      for (const g of gates.splice(0).reverse()) g(); // release in reverse order
      const replies = (await Promise.all(calls)) as Array<{ i: number }>;
      assert.deepEqual(replies.map((r) => r.i), Array.from({ length: 60 }, (_, i) => i));
      await consumer.cancel(); // flushes held acks, then closes the channel

      // If any ack had been lost, the broker would now hold the message again (requeued on close).
      const ch = await raw.createChannel();
      const q = await ch.checkQueue(queue);
      assert.equal(q.messageCount, 0, 'nothing requeued: every delivery was acked');
      assert.ok([...seen.values()].every((n) => n === 1), 'each message handled once');
      await ch.close();
    });

    it('a subscription acks in bulk and the broker is left with nothing unacked', async () => {
      const got = new Condition();
      let n = 0;
      const done = deferred();
      const sub = await bus.subscribe(
        { exchange: 'ack-batcher.events', bindingKeys: ['#'], queue: { name: 'ack-batcher.sub', durable: false } },
        async () => {
          n++;
          got.notify();
          if (n === 200) done.resolve();
        },
      );
      await Promise.all(Array.from({ length: 200 }, (_, i) => bus.publish('ack-batcher.events', `k.${i}`, { i })));
      await got.wait(() => n === 200, 10_000, '200 events');
      await done.promise;
      await sub.cancel();
      const ch = await raw.createChannel();
      const q = await ch.checkQueue('ack-batcher.sub');
      assert.equal(q.messageCount, 0, 'all 200 acked before the channel closed');
      await ch.close();
    });
  });
});
