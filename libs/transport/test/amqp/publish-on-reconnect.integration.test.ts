/**
 * Events through broker reconnects, on the real RabbitMQ: a consumer must never get a message
 * while the event publisher of the same bus refuses to publish. The handler below publishes one
 * event per command (as a worker does) while the broker closes every connection of the vhost,
 * several times; the server bus has many setups registered after its consumer, so its consumer is
 * replayed (and delivering) long before the replay of the connection is over.
 *
 * Asserted: every command's event reaches the bus; a publish only ever failed for a delivery
 * whose connection died under it (that delivery was never acked and came back, redelivered).
 */
import assert from 'node:assert/strict';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { NO_REPLY, createAmqpBus, isTransportError, type AmqpBus } from '../../src/index.js';
import { createTestVhost, type TestVhost } from '../support/vhost.js';
import { Condition } from '../support/wait.js';

const QUEUE = 'replay.commands';
const EXCHANGE = 'replay.events';
const EVENTS_QUEUE = 'replay.events.all';
/** setups registered after the consumer: the replay goes on while the consumer already delivers */
const LATER_SETUPS = 150;
const ROUNDS = 3;
const PER_ROUND = 150;

interface Attempt {
  i: number;
  redelivered: boolean;
  ok: boolean;
  kind?: string;
}

describe('amqp: no delivery while the event publisher is unusable (broker connections closed under load)', function () {
  this.timeout(90_000);
  let vhost: TestVhost;
  let server: AmqpBus;
  let raw: ChannelModel | undefined;

  before(async () => {
    vhost = await createTestVhost();
  });
  after(async () => {
    await server?.close();
    await raw?.close().catch(() => undefined);
    await vhost.dispose();
  });

  /** A plain amqplib connection (the test's publisher and event reader); reopened after each cut. */
  async function open(): Promise<Channel> {
    await raw?.close().catch(() => undefined);
    raw = await amqp.connect(vhost.url, { noDelay: true });
    raw.on('error', () => {});
    const ch = await raw.createChannel();
    ch.on('error', () => {});
    return ch;
  }

  it(`${ROUNDS} forced closes while commands flow: every command's event is on the bus`, async () => {
    const attempts: Attempt[] = [];
    const changed = new Condition();
    server = createAmqpBus({ url: vhost.url, name: 'replay-server', reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    await server.waitForConnection(10_000);
    server.onStateChange(() => changed.notify());
    await server.declareExchange(EXCHANGE, 'topic');
    await server.declareQueue({ name: EVENTS_QUEUE }, [{ exchange: EXCHANGE, routingKey: '#' }]);
    await server.serve(
      { name: QUEUE },
      async (msg) => {
        const { i } = msg.body as { i: number };
        try {
          await server.publish(EXCHANGE, `cmd.${i}`, { i });
          attempts.push({ i, redelivered: msg.redelivered, ok: true });
        } catch (err) {
          attempts.push({ i, redelivered: msg.redelivered, ok: false, kind: isTransportError(err) ? err.kind : String(err) });
        }
        changed.notify();
        return NO_REPLY;
      },
      { prefetch: 20 },
    );
    for (let n = 0; n < LATER_SETUPS; n++) await server.declareQueue({ name: `replay.filler.${n}`, durable: false });

    let sent = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const reconnects = server.reconnects;
      // some in flight when the connections close ...
      const before = await open();
      for (let k = 0; k < PER_ROUND; k++) before.sendToQueue(QUEUE, Buffer.from(JSON.stringify({ i: sent++ })), { persistent: true });
      await changed.wait(() => attempts.length > 0 && attempts.at(-1)!.i >= sent - PER_ROUND, 10_000, 'the server to be busy');
      await vhost.closeAllConnections('test: close under load');
      // ... and more published while the server reconnects: they wait in the queue for its consumer
      const ch = await open();
      for (let k = 0; k < PER_ROUND; k++) ch.sendToQueue(QUEUE, Buffer.from(JSON.stringify({ i: sent++ })), { persistent: true });
      await changed.wait(() => server.reconnects > reconnects && server.isConnected(), 20_000, `reconnect ${round + 1}`);
    }
    // Every command handled at least once (a lost event shows up below, with the count).
    await changed.wait(() => new Set(attempts.map((a) => a.i)).size === sent && server.isConnected(), 30_000, `all ${sent} commands handled`);
    const published = () => new Set(attempts.filter((a) => a.ok).map((a) => a.i)).size;
    await changed.wait(() => published() === sent, 10_000, `an event published for each command`).catch(() => undefined);
    const failed = attempts.filter((a) => !a.ok);
    assert.equal(published(), sent, `published an event for ${published()} of ${sent} commands; ${failed.length} publishes failed: ${JSON.stringify(failed.slice(0, 3))}`);

    // Every event is on the bus (read back from the queue bound to the exchange).
    const ch = await open();
    const seen = new Set<number>();
    for (;;) {
      const m = await ch.get(EVENTS_QUEUE, { noAck: true });
      if (!m) break;
      seen.add((JSON.parse(m.content.toString()) as { i: number }).i);
    }
    assert.equal(seen.size, sent, `events on the bus for ${seen.size} of ${sent} commands`);

    // A publish refused for a delivery whose connection stayed up would be an event lost: each
    // failed attempt must have been followed by a redelivery of the same command.
    for (const f of failed) {
      const later = attempts.slice(attempts.indexOf(f) + 1).some((a) => a.i === f.i && a.redelivered);
      assert.ok(later, `command ${f.i}: publish failed (${f.kind}) and the command was never redelivered: its event would be lost`);
    }
    process.stdout.write(`    ${sent} commands, ${attempts.length} deliveries, ${failed.length} publishes failed with their connection\n`);
  });
});
