/**
 * write-coalescing.ts against the real RabbitMQ: the frames amqplib queues in one turn of the event
 * loop leave in one socket write, nothing is lost or reordered, and flow control still works when
 * a turn queues more than the socket's high-water mark.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { coalesceWrites } from '../../src/amqp/write-coalescing.js';
import { createTestVhost, type TestVhost } from '../support/vhost.js';
import { Condition } from '../support/wait.js';

interface SocketWrites {
  /** write(2)/writev(2) calls the socket made (each `_write` or `_writev` is one) */
  calls(): number;
}

/** Counts the socket-level writes of an amqplib connection. */
function countWrites(model: ChannelModel): SocketWrites {
  const socket = (model as unknown as { connection: { stream: Socket } }).connection.stream;
  let calls = 0;
  const s = socket as unknown as { _write: (...a: unknown[]) => unknown; _writev: (...a: unknown[]) => unknown };
  const write = s._write.bind(socket);
  const writev = s._writev.bind(socket);
  s._write = (...a) => {
    calls++;
    return write(...a);
  };
  s._writev = (...a) => {
    calls++;
    return writev(...a);
  };
  return { calls: () => calls };
}

describe('amqp/write-coalescing', function () {
  this.timeout(20_000);
  let vhost: TestVhost;
  const opened: ChannelModel[] = [];

  before(async () => {
    vhost = await createTestVhost();
  });
  after(async () => {
    for (const c of opened) await c.close().catch(() => undefined);
    await vhost.dispose();
  });

  async function open(coalesce: boolean): Promise<ChannelModel> {
    const c = await amqp.connect(vhost.url, { noDelay: true });
    c.on('error', () => {});
    opened.push(c);
    if (coalesce) assert.equal(coalesceWrites(c), true, 'amqplib internals found and patched');
    return c;
  }

  /** Publishes `n` messages in ONE turn on a fresh connection; returns its socket writes and what arrived. */
  async function burst(coalesce: boolean, n: number, size = 200): Promise<{ writes: number; received: ConsumeMessage[] }> {
    const queue = `coalesce.${coalesce}.${n}.${Date.now()}`;
    const consumer = await open(false);
    const cch = await consumer.createChannel();
    await cch.assertQueue(queue, { durable: false, autoDelete: true });
    const received: ConsumeMessage[] = [];
    const cond = new Condition();
    await cch.consume(queue, (m) => {
      if (m) received.push(m);
      cond.notify();
    }, { noAck: true });

    const producer = await open(coalesce);
    const pch = await producer.createChannel();
    const writes = countWrites(producer);
    const before = writes.calls();
    for (let i = 0; i < n; i++) pch.sendToQueue(queue, Buffer.alloc(size, String(i % 10)), { messageId: String(i) });
    await cond.wait(() => received.length >= n, 10_000, `${n} messages`);
    return { writes: writes.calls() - before, received };
  }

  it('sends the frames of one turn in one socket write, where amqplib alone makes one per frame', async () => {
    const plain = await burst(false, 50);
    const coalesced = await burst(true, 50);
    assert.ok(plain.writes >= 50, `without coalescing: one write per message (got ${plain.writes})`);
    assert.ok(coalesced.writes <= 2, `with coalescing: the burst in one or two writes (got ${coalesced.writes})`);
    assert.deepEqual(
      coalesced.received.map((m) => m.properties.messageId as string),
      Array.from({ length: 50 }, (_, i) => String(i)),
      'every message, in order',
    );
  });

  it('keeps flow control: a turn bigger than the socket buffer still arrives whole and in order', async () => {
    const { received } = await burst(true, 2_000, 4_000); // ~8 MB queued in one turn
    assert.equal(received.length, 2_000);
    assert.ok(received.every((m, i) => m.properties.messageId === String(i) && m.content.length === 4_000));
  });

  it('patches a connection once, and leaves an object without amqplib internals alone', async () => {
    const c = await open(true);
    assert.equal(coalesceWrites(c), true, 'a second call is a no-op');
    assert.equal(coalesceWrites({} as ChannelModel), false);
  });
});
