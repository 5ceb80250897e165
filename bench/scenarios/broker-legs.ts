/**
 * What each leg of a command costs the broker: broker (beam.smp) and client CPU per message for
 * the message patterns a POST status is made of, each measured over a fixed number of messages
 * with 100 in flight, raw amqplib (`noDelay: true`), in one process with two connections, on a
 * throw-away vhost. This is the evidence behind "Why POST status stays under 1.0 × C" in
 * docs/performance.md: the event leg alone costs the broker about what C's whole round trip does.
 *
 * Legs:
 * - `rpc_round_trip`: request to a queue + ack + reply over direct reply-to (C's whole path);
 * - `queue_ack_each` / `queue_ack_bulk`: one message through a queue, acked one by one / in bulk;
 * - `event_routed`: a publish on a topic exchange with a publisher confirm, routed by a `#`
 *   binding to one queue, acked (a recipient event reaching ONE gateway);
 * - `event_unrouted`: the same publish with nothing bound (an event nobody subscribed to).
 */
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { createTestVhost } from '../../libs/transport/test/support/vhost.js';
import { coalesceWrites } from '@qubicle/transport';
import { cpuMeter, findBrokerPid } from '../support/processes.js';
import { rowOf } from '../support/rows.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';

const SCENARIO = 'broker_legs';
const IN_FLIGHT = 100;
const EXCHANGE = 'bench.legs.events';
const ROUTING_KEY = `qubicle.recipient.${'a'.repeat(32)}.${'b'.repeat(32)}.ready`;

interface Leg {
  name: string;
  note: string;
  /** sends `n` messages keeping IN_FLIGHT outstanding; resolves when all were handled */
  run(n: number): Promise<void>;
}

/** Keeps `IN_FLIGHT` outstanding: `send()` one more whenever `done()` moved. */
function pump(n: number, send: () => void, done: () => number, subscribe: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let sent = 0;
    const step = () => {
      if (done() >= n) return resolve();
      while (sent < n && sent - done() < IN_FLIGHT) {
        sent++;
        send();
      }
    };
    subscribe(step);
    step();
  });
}

async function legs(producer: ChannelModel, consumer: ChannelModel, body: Buffer): Promise<Leg[]> {
  const fresh = async (ch: Channel, bulkAck = false) => {
    const q = `bench.legs.${randomUUID()}`;
    await ch.assertQueue(q, { durable: false, autoDelete: true });
    await ch.prefetch(200);
    return { q, bulkAck };
  };
  /** A consumer that acks one by one, or in bulk once per turn. */
  const consume = async (ch: Channel, q: string, bulk: boolean, onMessage: () => void) => {
    let last: amqp.ConsumeMessage | undefined;
    let scheduled = false;
    await ch.consume(q, (m) => {
      if (!m) return;
      if (!bulk) ch.ack(m);
      else {
        last = m;
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            if (last) ch.ack(last, true);
            last = undefined;
          });
        }
      }
      onMessage();
    });
  };

  const queueLeg = (name: string, bulk: boolean, note: string): Leg => ({
    name,
    note,
    async run(n) {
      const pch = await producer.createChannel();
      const cch = await consumer.createChannel();
      const { q } = await fresh(cch);
      let got = 0;
      let wake = () => {};
      await consume(cch, q, bulk, () => {
        got++;
        wake();
      });
      await pump(n, () => pch.sendToQueue(q, body), () => got, (w) => (wake = w));
      await pch.close();
      await cch.close();
    },
  });

  const eventLeg = (name: string, routed: boolean, note: string): Leg => ({
    name,
    note,
    async run(n) {
      const pch: ConfirmChannel = await producer.createConfirmChannel();
      const cch = await consumer.createChannel();
      await cch.assertExchange(EXCHANGE, 'topic', { durable: false, autoDelete: false });
      let done = 0;
      let wake = () => {};
      let q: string | undefined;
      if (routed) {
        q = (await fresh(cch)).q;
        await cch.bindQueue(q, EXCHANGE, 'qubicle.recipient.#');
        await consume(cch, q, false, () => {});
      }
      // done = confirmed by the broker (routed: and delivered to the queue before the confirm)
      await pump(
        n,
        () =>
          pch.publish(EXCHANGE, ROUTING_KEY, body, { persistent: true, contentType: 'application/json', messageId: randomUUID() }, () => {
            done++;
            wake();
          }),
        () => done,
        (w) => (wake = w),
      );
      await pch.close();
      await cch.deleteExchange(EXCHANGE);
      await cch.close();
    },
  });

  return [
    {
      name: 'rpc_round_trip',
      note: "request to a queue + ack + direct reply-to: C's whole path",
      async run(n) {
        const sch = await consumer.createChannel();
        const { q } = await fresh(sch);
        await sch.consume(q, (m) => {
          if (!m) return;
          sch.sendToQueue(m.properties.replyTo as string, m.content, { correlationId: m.properties.correlationId as string });
          sch.ack(m);
        });
        const ch = await producer.createChannel();
        let got = 0;
        let wake = () => {};
        await ch.consume(
          'amq.rabbitmq.reply-to',
          () => {
            got++;
            wake();
          },
          { noAck: true },
        );
        await pump(
          n,
          () => ch.sendToQueue(q, body, { replyTo: 'amq.rabbitmq.reply-to', correlationId: randomUUID(), expiration: '10000' }),
          () => got,
          (w) => (wake = w),
        );
        await ch.close();
        await sch.close();
      },
    },
    queueLeg('queue_ack_each', false, 'one message through a queue, one ack frame each'),
    queueLeg('queue_ack_bulk', true, 'the same, one multiple-ack per turn (ack-batcher.ts)'),
    eventLeg('event_routed', true, 'topic publish + confirm, routed (#) to one consumer: an event reaching one gateway'),
    eventLeg('event_unrouted', false, 'topic publish + confirm, nothing bound'),
  ];
}

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const n = ctx.quick ? 2_000 : 30_000;
  const brokerPid = await findBrokerPid();
  if (brokerPid === undefined) throw new Error('the broker pid is unknown (rabbitmqctl): this scenario measures the broker');
  const vhost = await createTestVhost();
  const open = async () => {
    const c = await amqp.connect(vhost.url, { noDelay: true });
    c.on('error', () => {});
    coalesceWrites(c); // as our services do
    return c;
  };
  const producer = await open();
  const consumer = await open();
  const body = Buffer.from(JSON.stringify({ type: 'set_status', command_id: randomUUID(), account_id: 'a'.repeat(32), recipient_id: 'b'.repeat(32), status: 'ready' }));
  const rows: BenchRow[] = [];
  try {
    const all = await legs(producer, consumer, body);
    await all[0]!.run(Math.min(n, 2_000)); // warm-up
    for (const leg of all) {
      const broker = cpuMeter([brokerPid]);
      const self = cpuMeter([process.pid]);
      const started = performance.now();
      await leg.run(n);
      const seconds = (performance.now() - started) / 1000;
      const brokerUs = (broker.stop() / n) * 1e6;
      const clientUs = (self.stop() / n) * 1e6;
      ctx.log(`${leg.name}: broker ${brokerUs.toFixed(1)} µs/msg, clients ${clientUs.toFixed(1)} µs/msg, ${(n / seconds).toFixed(0)} msg/s`);
      rows.push(rowOf(SCENARIO, `${leg.name}.broker_cpu`, brokerUs, 'µs/msg', { note: leg.note }));
      rows.push(rowOf(SCENARIO, `${leg.name}.client_cpu`, clientUs, 'µs/msg', { note: 'producer + consumer (this process)' }));
    }
  } finally {
    await producer.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
    await vhost.dispose().catch(() => undefined);
  }
  return rows;
}

export const brokerLegsScenario: BenchScenario = {
  name: 'broker-legs',
  description: 'broker CPU per message for each leg of a command (RPC round trip, acks, routed and unrouted events)',
  run,
};
