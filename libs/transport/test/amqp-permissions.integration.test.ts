/**
 * The transport under RabbitMQ's access control, on the real broker: the validated `user_id` on
 * everything a bus publishes (`userId`), and a bus that owns no exchange (`declareExchanges: false`)
 * running as a user without any `configure` permission on them.
 */
import assert from 'node:assert/strict';
import amqp, { type ConsumeMessage } from 'amqplib';
import { amqpUserOf, createAmqpBus, noopLogger, TransportError, type AmqpBus, type IncomingMessage, type Logger } from '../src/index.js';
import { createTestVhost, type TestVhost } from './support/vhost.js';
import { deferred, rejectionOf, within } from './support/wait.js';

describe('amqpUserOf', () => {
  it('is the URL user, decoded, or guest without one', () => {
    assert.equal(amqpUserOf('amqp://qubicle-gateway:pw@rabbitmq:5672/qubicle'), 'qubicle-gateway');
    assert.equal(amqpUserOf('amqps://sales%40queue:p%2Fw@host/vh'), 'sales@queue');
    assert.equal(amqpUserOf('amqp://localhost'), 'guest');
  });
});

describe('amqp bus under broker permissions (integration, real RabbitMQ)', function () {
  this.timeout(30_000);
  let vhost: TestVhost;
  const buses: AmqpBus[] = [];
  let seq = 0;
  const unique = (prefix: string) => `${prefix}.${++seq}`;

  const open = async (url: string, opts: { userId?: string; declareExchanges?: boolean; logger?: Logger } = {}): Promise<AmqpBus> => {
    const bus = createAmqpBus({ url, name: unique('perm-test'), reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...opts });
    buses.push(bus);
    await bus.waitForConnection(10_000);
    return bus;
  };

  before(async () => {
    vhost = await createTestVhost();
  });

  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((b) => b.close()));
  });

  after(async () => {
    await vhost?.dispose();
  });

  it('userId: requests, replies and events carry the validated user_id; without it, none', async () => {
    const user = amqpUserOf(vhost.url);
    const server = await open(vhost.url, { userId: user });
    const client = await open(vhost.url, { userId: user });
    const plain = await open(vhost.url);
    const q = unique('rpc.who');
    const seen: IncomingMessage[] = [];
    await server.serve({ name: q }, async (msg) => {
      seen.push(msg);
      return { ok: true };
    }, { prefetch: 5 });
    assert.deepEqual(await client.call(q, { n: 1 }, { timeoutMs: 3000 }), { ok: true });
    assert.deepEqual(await plain.call(q, { n: 2 }, { timeoutMs: 3000 }), { ok: true });
    assert.equal(seen[0]?.userId, user);
    assert.equal(seen[1]?.userId, undefined);

    // the server's reply is stamped too (read with a raw reply-to consumer)
    const conn = await amqp.connect(vhost.url, { noDelay: true });
    try {
      const ch = await conn.createChannel();
      const reply = deferred<ConsumeMessage>();
      await ch.consume('amq.rabbitmq.reply-to', (m) => m && reply.resolve(m), { noAck: true });
      ch.sendToQueue(q, Buffer.from('{"n":3}'), { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'c3' });
      const m = await within(reply.promise, 5000, 'the raw reply');
      assert.equal(m.properties.userId, user);
    } finally {
      await conn.close();
    }

    const ex = unique('who.events');
    await server.declareExchange(ex, 'topic');
    const event = deferred<IncomingMessage>();
    await plain.subscribe({ exchange: ex, bindingKeys: ['#'] }, async (m) => event.resolve(m));
    await server.publish(ex, 'a.b', { e: 1 });
    assert.equal((await within(event.promise, 5000, 'the event')).userId, user);
  });

  it('a user_id that is not the connection\'s user is refused by the broker', async () => {
    const server = await open(vhost.url);
    const q = unique('rpc.forged');
    let handled = 0;
    await server.serve({ name: q }, async () => {
      handled++;
      return { ok: true };
    }, { prefetch: 5 });
    const forger = await open(vhost.url, { userId: 'qubicle-gateway' });
    const err = await rejectionOf(forger.call(q, { n: 1 }, { timeoutMs: 3000 }));
    assert.ok(err instanceof TransportError, String(err));
    assert.equal(err.kind, 'disconnected'); // the broker closed the channel (406 PRECONDITION_FAILED)
    const ex = unique('forged.events');
    await server.declareExchange(ex, 'topic');
    const pubErr = await rejectionOf(forger.publish(ex, 'k', { e: 1 }));
    assert.ok(pubErr instanceof TransportError, String(pubErr));
    assert.match(String((pubErr.cause as Error | undefined)?.message ?? pubErr.message), /user_id|PRECONDITION|closed/i);
    assert.equal(handled, 0);
  });

  it('declareExchanges: false — a user without configure on the exchanges subscribes once a worker declared them', async () => {
    const ex = unique('owned.events');
    // what the read-only event consumer role has (docs/operations.md): its own server-named queues only
    const reader = await vhost.createUser({ configure: '^amq\\.gen-.*$', write: '^amq\\.gen-.*$', read: `^(${ex.replace(/\./g, '\\.')}|amq\\.gen-.*)$` });

    // as that user, the default (declaring) bus is refused: declaring needs configure
    const declaring = await open(reader.url);
    const refused = await rejectionOf(declaring.subscribe({ exchange: ex, bindingKeys: ['#'] }, async () => undefined));
    assert.ok(refused instanceof TransportError && refused.kind === 'refused', String(refused));
    assert.match(refused.message, /ACCESS_REFUSED/);

    const waiting = deferred<Record<string, unknown>>();
    const logger: Logger = { ...noopLogger, info: (o, msg) => msg?.startsWith('waiting for the exchange') && waiting.resolve(o as Record<string, unknown>) };
    const passive = await open(reader.url, { declareExchanges: false, logger });
    const got = deferred<unknown>();
    const subscribed = passive.subscribe({ exchange: ex, bindingKeys: ['a.#'] }, async (m) => got.resolve(m.body));
    let settled = false;
    void subscribed.then(() => (settled = true), () => (settled = true));
    // nothing declared yet: a passive check found no exchange, the subscription waits ...
    assert.deepEqual(await within(waiting.promise, 5000, 'the passive check to miss'), { exchange: ex });
    assert.equal(settled, false);
    // ... until the owner (a worker, as guest here) declares the exchange
    const owner = await open(vhost.url);
    await owner.declareExchange(ex, 'topic');
    await within(subscribed, 5000, 'the subscription once the exchange exists');
    await owner.publish(ex, 'a.b', { hello: 1 });
    assert.deepEqual(await within(got.promise, 5000, 'the event'), { hello: 1 });
    // and declareExchange on that bus is a check, not a declare: no ACCESS_REFUSED
    await within(passive.declareExchange(ex, 'topic'), 5000, 'declareExchange (passive)');
  });

  it('declareExchanges: false — a wait for an exchange ends with the bus', async () => {
    const passive = await open(vhost.url, { declareExchanges: false });
    const pending = passive.subscribe({ exchange: unique('never.declared'), bindingKeys: ['#'] }, async () => undefined);
    await passive.close();
    const err = await rejectionOf(pending);
    assert.ok(err instanceof TransportError && err.kind === 'closed', String(err));
  });
});
