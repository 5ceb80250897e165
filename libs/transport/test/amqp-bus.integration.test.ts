/**
 * Integration tests against the real RabbitMQ (AMQP_URL, default amqp://guest:guest@127.0.0.1:5672),
 * each run in its own throw-away vhost.
 */
import assert from 'node:assert/strict';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { createAmqpBus, REQUEUE, TransportError, type AmqpBus, type IncomingMessage } from '../src/index.js';
import { createTestVhost, type TestVhost } from './support/vhost.js';
import { Condition, deferred, rejectionOf, within } from './support/wait.js';

function kindOf(err: Error): string {
  assert.ok(err instanceof TransportError, `expected a TransportError, got ${err.stack ?? err}`);
  return err.kind;
}

/** A plain amqplib connection, to play a foreign/misbehaving client. */
class RawClient {
  private constructor(
    readonly conn: ChannelModel,
    readonly ch: Channel,
  ) {}

  static async open(url: string): Promise<RawClient> {
    const conn = await amqp.connect(url, { noDelay: true });
    conn.on('error', () => {});
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    return new RawClient(conn, ch);
  }

  /** Direct reply-to consumer: replies keyed by correlationId. */
  async replies(): Promise<{ next(correlationId: string, ms: number): Promise<ConsumeMessage>; all: ConsumeMessage[] }> {
    const all: ConsumeMessage[] = [];
    const cond = new Condition();
    await this.ch.consume(
      'amq.rabbitmq.reply-to',
      (msg) => {
        if (msg) all.push(msg);
        cond.notify();
      },
      { noAck: true },
    );
    return {
      all,
      async next(correlationId, ms) {
        const find = () => all.find((m) => m.properties.correlationId === correlationId);
        await cond.wait(() => find() !== undefined, ms, `reply ${correlationId}`);
        return find()!;
      },
    };
  }

  /** Collects messages of a queue (acking them). */
  async collect(queue: string): Promise<{ messages: ConsumeMessage[]; wait(n: number, ms: number): Promise<void> }> {
    const messages: ConsumeMessage[] = [];
    const cond = new Condition();
    await this.ch.consume(queue, (msg) => {
      if (!msg) return;
      messages.push(msg);
      this.ch.ack(msg);
      cond.notify();
    });
    return { messages, wait: (n, ms) => cond.wait(() => messages.length >= n, ms, `${n} message(s) in ${queue}`) };
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}

function xDeathReason(msg: ConsumeMessage): string | undefined {
  const deaths = msg.properties.headers?.['x-death'];
  return Array.isArray(deaths) ? (deaths[0] as { reason?: string }).reason : undefined;
}

describe('amqp bus (integration, real RabbitMQ)', function () {
  this.timeout(30_000);
  let vhost: TestVhost;
  let bus: AmqpBus;
  const extra: Array<{ close(): Promise<void> }> = [];
  let seq = 0;
  const unique = (prefix: string) => `${prefix}.${++seq}`;

  before(async () => {
    vhost = await createTestVhost();
    bus = createAmqpBus({ url: vhost.url, name: 'transport-test', reconnect: { initialDelayMs: 50, maxDelayMs: 1000 } });
    await bus.waitForConnection(10_000);
  });

  afterEach(async () => {
    await Promise.allSettled(extra.splice(0).map((c) => c.close()));
  });

  after(async () => {
    await bus?.close();
    await vhost?.dispose();
  });

  async function raw(): Promise<RawClient> {
    const client = await RawClient.open(vhost.url);
    extra.push(client);
    return client;
  }

  it('connects with the configured name', async () => {
    assert.equal(bus.isConnected(), true);
    assert.ok((await vhost.listConnections()).includes('transport-test'));
  });

  it('round-trips an RPC call', async () => {
    const q = unique('rpc.echo');
    let seen: IncomingMessage | undefined;
    await bus.serve({ name: q }, async (msg) => {
      seen = msg;
      return { echo: msg.body, n: 42 };
    }, { prefetch: 10 });
    const before = Date.now();
    const reply = await bus.call(q, { hello: 'wörld', list: [1, null] }, { timeoutMs: 3000, requestId: 'req-77', headers: { 'x-tenant': 't1' } });
    assert.deepEqual(reply, { echo: { hello: 'wörld', list: [1, null] }, n: 42 });
    assert.ok(seen);
    assert.equal(seen.requestId, 'req-77');
    assert.equal(seen.headers['x-tenant'], 't1');
    assert.equal(seen.routingKey, q);
    assert.equal(seen.redelivered, false);
    assert.match(seen.messageId ?? '', /^[0-9a-f-]{36}$/);
    assert.match(seen.correlationId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(typeof seen.deadline, 'number');
    assert.ok(seen.deadline! >= before + 3000 && seen.deadline! <= Date.now() + 3000);
  });

  it('many concurrent calls all get their own replies', async () => {
    const q = unique('rpc.many');
    await bus.serve({ name: q }, async (msg) => ({ n: (msg.body as { n: number }).n * 2 }), { prefetch: 50 });
    const replies = await Promise.all(Array.from({ length: 200 }, (_, n) => bus.call(q, { n }, { timeoutMs: 5000 })));
    assert.deepEqual(replies, Array.from({ length: 200 }, (_, n) => ({ n: n * 2 })));
  });

  it('rejects an unroutable call at once', async () => {
    const started = Date.now();
    const err = await rejectionOf(bus.call(unique('no.such.queue'), {}, { timeoutMs: 10_000 }));
    assert.equal(kindOf(err), 'unroutable');
    assert.ok(Date.now() - started < 2000, 'unroutable must not wait for the timeout');
    // the RPC channel survives
    const q = unique('rpc.after-unroutable');
    await bus.serve({ name: q }, async () => 'still fine', { prefetch: 1 });
    assert.equal(await bus.call(q, {}, { timeoutMs: 3000 }), 'still fine');
  });

  it('times out, and the broker drops the expired command: it is never executed late', async () => {
    const q = unique('rpc.idle');
    const dlx = unique('idle.dlx');
    const dlq = unique('idle.dlq');
    await bus.declareExchange(dlx, 'fanout');
    await bus.declareQueue({ name: dlq }, [{ exchange: dlx, routingKey: '' }]);
    await bus.declareQueue({ name: q, arguments: { 'x-dead-letter-exchange': dlx } });

    const started = Date.now();
    const err = await rejectionOf(bus.call(q, { n: 'expired' }, { timeoutMs: 300 }));
    assert.equal(kindOf(err), 'timeout');
    assert.ok(Date.now() - started >= 295);

    // The broker expired it (per-message TTL = timeout): it shows up dead-lettered as 'expired'.
    const client = await raw();
    const dead = await client.collect(dlq);
    await dead.wait(1, 10_000);
    assert.equal(xDeathReason(dead.messages[0]!), 'expired');
    assert.deepEqual(JSON.parse(dead.messages[0]!.content.toString()), { n: 'expired' });

    // A consumer started now only ever sees the later marker.
    const seen: unknown[] = [];
    const marker = bus.call(q, { n: 'marker' }, { timeoutMs: 5000 });
    await bus.serve({ name: q, arguments: { 'x-dead-letter-exchange': dlx } }, async (msg) => {
      seen.push(msg.body);
      return 'handled';
    }, { prefetch: 10 });
    assert.equal(await marker, 'handled');
    assert.deepEqual(seen, [{ n: 'marker' }]);
  });

  it('drops a request whose x-deadline has passed: no handler call, no reply, acked', async () => {
    const q = unique('rpc.deadline');
    const seen: unknown[] = [];
    await bus.serve({ name: q }, async (msg) => {
      seen.push(msg.body);
      return 'ran';
    }, { prefetch: 1 });
    const client = await raw();
    const replies = await client.replies();
    // no broker expiration, only the header: only the server can drop it
    client.ch.sendToQueue(q, Buffer.from(JSON.stringify({ n: 'late' })), {
      replyTo: 'amq.rabbitmq.reply-to',
      correlationId: 'late',
      headers: { 'x-deadline': Date.now() - 1000 },
    });
    client.ch.sendToQueue(q, Buffer.from(JSON.stringify({ n: 'marker' })), {
      replyTo: 'amq.rabbitmq.reply-to',
      correlationId: 'marker',
      headers: { 'x-deadline': Date.now() + 10_000 },
    });
    const reply = await replies.next('marker', 5000);
    assert.equal(JSON.parse(reply.content.toString()), 'ran');
    assert.deepEqual(seen, [{ n: 'marker' }]);
    assert.deepEqual(replies.all.map((m) => m.properties.correlationId), ['marker']);
    const check = await client.ch.checkQueue(q);
    assert.equal(check.messageCount, 0);
  });

  it('invalid JSON: error reply with replyTo; dead-lettered without; never redelivered', async () => {
    const q = unique('rpc.strict');
    const dlx = unique('strict.dlx');
    const dlq = unique('strict.dlq');
    await bus.declareExchange(dlx, 'fanout');
    await bus.declareQueue({ name: dlq }, [{ exchange: dlx, routingKey: '' }]);
    let handled = 0;
    await bus.serve({ name: q, arguments: { 'x-dead-letter-exchange': dlx } }, async () => {
      handled++;
      return 'ok';
    }, { prefetch: 5 });
    const client = await raw();
    const replies = await client.replies();

    client.ch.sendToQueue(q, Buffer.from('{"broken":'), { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'bad-1' });
    const reply = JSON.parse((await replies.next('bad-1', 5000)).content.toString()) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(reply.ok, false);
    assert.equal(reply.error.code, 'invalid_message');
    assert.match(reply.error.message, /JSON/);

    client.ch.sendToQueue(q, Buffer.from('not json at all'), { headers: {} });
    const dead = await client.collect(dlq);
    await dead.wait(1, 5000);
    assert.equal(dead.messages[0]!.content.toString(), 'not json at all');
    assert.equal(xDeathReason(dead.messages[0]!), 'rejected');
    assert.equal((dead.messages[0]!.properties.headers!['x-death'] as Array<{ count: number }>)[0]!.count, 1);

    // the server is still healthy, processed nothing invalid, and nothing is left to redeliver
    assert.equal(await bus.call(q, {}, { timeoutMs: 3000 }), 'ok');
    assert.equal(handled, 1);
    assert.equal(dead.messages.length, 1);
    assert.equal((await client.ch.checkQueue(q)).messageCount, 0);
  });

  it('invalid JSON fire-and-forget with a deadLetterExchange: published raw with every dead-letter header (x-original-message-id included), acked', async () => {
    const q = unique('rpc.ff-dlx');
    const dlx = unique('ff.dlx');
    const dlq = unique('ff.dlq');
    await bus.declareExchange(dlx, 'fanout');
    await bus.declareQueue({ name: dlq }, [{ exchange: dlx, routingKey: '' }]);
    let handled = 0;
    await bus.serve({ name: q }, async () => {
      handled++;
      return 'ok';
    }, { prefetch: 5, deadLetterExchange: dlx });
    const client = await raw();
    const dead = await client.collect(dlq);
    client.ch.sendToQueue(q, Buffer.from('{"type":"hangup"'), { messageId: 'mid-ff-1', correlationId: 'corr-ff-1', headers: { 'x-request-id': 'req-ff-1' } });
    await dead.wait(1, 5000);
    const m = dead.messages[0]!;
    assert.equal(m.content.toString(), '{"type":"hangup"', 'the body byte for byte');
    const h = m.properties.headers ?? {};
    assert.match(String(h['x-reason']), /^invalid_message: invalid JSON: /);
    assert.equal(h['x-original-queue'], q);
    assert.equal(h['x-correlation-id'], 'corr-ff-1');
    assert.equal(h['x-original-message-id'], 'mid-ff-1');
    assert.equal(h['x-request-id'], 'req-ff-1');
    assert.equal(m.properties.messageId, 'mid-ff-1');
    // acked, not redelivered, and the server still serves
    assert.equal(await bus.call(q, {}, { timeoutMs: 3000 }), 'ok');
    assert.equal(handled, 1);
    assert.equal((await client.ch.checkQueue(q)).messageCount, 0);
  });

  it('a handler that throws yields an internal error reply and the message is acked', async () => {
    const q = unique('rpc.boom');
    let attempts = 0;
    await bus.serve({ name: q }, async () => {
      attempts++;
      throw new Error('kaboom');
    }, { prefetch: 1 });
    assert.deepEqual(await bus.call(q, {}, { timeoutMs: 3000 }), { ok: false, error: { code: 'internal', message: 'kaboom' } });
    const client = await raw();
    assert.equal((await client.ch.checkQueue(q)).messageCount, 0);
    assert.equal(attempts, 1);
  });

  it('prefetch bounds the number of concurrent handlers', async () => {
    const q = unique('rpc.busy');
    let active1 = 0;
    let max1 = 0;
    let active2 = 0;
    const cond = new Condition();
    const gate = deferred();
    await bus.serve({ name: q }, async () => {
      active1++;
      max1 = Math.max(max1, active1);
      cond.notify();
      await gate.promise;
      active1--;
      return 'one';
    }, { prefetch: 3 });
    const calls = Array.from({ length: 6 }, () => bus.call(q, {}, { timeoutMs: 10_000 }));
    await cond.wait(() => active1 === 3, 5000, 'consumer 1 to hold 3 messages');
    // If consumer 1 had taken more than its prefetch, a second consumer would not get the other 3.
    await bus.serve({ name: q }, async () => {
      active2++;
      cond.notify();
      await gate.promise;
      return 'two';
    }, { prefetch: 10 });
    await cond.wait(() => active2 === 3, 5000, 'consumer 2 to get the remaining 3 messages');
    assert.equal(max1, 3);
    gate.resolve();
    const replies = await Promise.all(calls);
    assert.equal(replies.filter((r) => r === 'one').length, 3);
    assert.equal(replies.filter((r) => r === 'two').length, 3);
    assert.equal(max1, 3);
  });

  it("refuses a second exclusive consumer ('refused') and the first keeps working", async () => {
    const q = unique('shard');
    const spec = { name: q };
    await bus.serve(spec, async () => 'owner', { prefetch: 5, exclusive: true });
    // another node (another connection)
    const other = createAmqpBus({ url: vhost.url, name: 'transport-test-other' });
    extra.push(other);
    const err = await rejectionOf(other.serve(spec, async () => 'intruder', { prefetch: 5, exclusive: true }));
    assert.equal(kindOf(err), 'refused');
    assert.match(err.message, /ACCESS_REFUSED|403/);
    // same connection, non-exclusive: refused as well, and the failure kills only its own channel
    const err2 = await rejectionOf(bus.serve(spec, async () => 'again', { prefetch: 5 }));
    assert.equal(kindOf(err2), 'refused');
    for (let i = 0; i < 3; i++) assert.equal(await bus.call(q, { i }, { timeoutMs: 3000 }), 'owner');
    assert.equal(await other.call(q, {}, { timeoutMs: 3000 }), 'owner');
    assert.equal(bus.isConnected(), true);
    assert.equal(other.isConnected(), true);
    // a channel-level 403 is not a refused connection: nothing is fatal (amqp/reply-codes.ts)
    assert.equal(other.connection.fatal, undefined);
    assert.equal(bus.connection.fatal, undefined);
  });

  it('cancel stops deliveries and resolves only after in-flight work is finished and acked', async () => {
    const q = unique('rpc.cancel');
    const gate = deferred();
    const started = deferred();
    const consumer = await bus.serve({ name: q }, async () => {
      started.resolve();
      await gate.promise;
      return 'finished';
    }, { prefetch: 1 });
    const call = bus.call(q, {}, { timeoutMs: 10_000 });
    await within(started.promise, 5000, 'handler start');
    let cancelled = false;
    const cancelling = consumer.cancel().then(() => {
      cancelled = true;
    });
    // a full round trip through the broker on another queue: cancel had every chance to finish
    const ping = unique('rpc.ping');
    await bus.serve({ name: ping }, async () => 'pong', { prefetch: 1 });
    assert.equal(await bus.call(ping, {}, { timeoutMs: 3000 }), 'pong');
    assert.equal(cancelled, false, 'cancel resolved while a handler was still running');
    gate.resolve();
    await within(cancelling, 5000, 'cancel');
    assert.equal(await call, 'finished');
    const client = await raw();
    const check = await client.ch.checkQueue(q);
    assert.equal(check.consumerCount, 0);
    assert.equal(check.messageCount, 0, 'the in-flight message was acked before the channel closed');
    assert.equal(kindOf(await rejectionOf(bus.call(q, {}, { timeoutMs: 200 }))), 'timeout');
  });

  it('REQUEUE: the message goes back unanswered (in order) to the next consumer once this one is cancelled', async () => {
    const q = unique('rpc.requeue');
    let consumer: { cancel(): Promise<void> } | undefined;
    const refused: unknown[] = [];
    const firstSeen = deferred();
    consumer = await bus.serve({ name: q }, async (msg) => {
      void consumer?.cancel(); // basic.cancel goes out before the nack
      refused.push(msg.body);
      firstSeen.resolve();
      return REQUEUE;
    }, { prefetch: 5, exclusive: true });
    const calls = [1, 2, 3].map((n) => bus.call(q, { n }, { timeoutMs: 10_000 }));
    await within(firstSeen.promise, 5000, 'first handler');
    await consumer.cancel();
    const other = createAmqpBus({ url: vhost.url, name: 'transport-test-requeue' });
    extra.push(other);
    const seen: Array<{ body: unknown; redelivered: boolean }> = [];
    await other.serve({ name: q }, async (msg) => {
      seen.push({ body: msg.body, redelivered: msg.redelivered });
      return (msg.body as { n: number }).n * 10;
    }, { prefetch: 1, exclusive: true });
    assert.deepEqual(await Promise.all(calls), [10, 20, 30]);
    assert.deepEqual(seen.map((s) => s.body), [{ n: 1 }, { n: 2 }, { n: 3 }], 'same order as sent');
    assert.ok(refused.length >= 1 && seen.slice(0, refused.length).every((s) => s.redelivered));
  });

  it('publishes events with confirms and routes them by topic bindings', async () => {
    const ex = unique('events');
    await bus.declareExchange(ex, 'topic');
    const got: Array<{ key: string; body: unknown; requestId?: string }> = [];
    const marker = deferred();
    await bus.subscribe({ exchange: ex, bindingKeys: ['qubicle.recipient.*.*.ready', 'qubicle.recipient.acc1.#'] }, async (msg) => {
      const entry: { key: string; body: unknown; requestId?: string } = { key: msg.routingKey, body: msg.body };
      if (msg.requestId !== undefined) entry.requestId = msg.requestId;
      got.push(entry);
      if (msg.routingKey.endsWith('.marker.ready')) marker.resolve();
    });
    const keys = [
      'qubicle.recipient.acc1.r1.away',
      'qubicle.recipient.acc2.r2.away',
      'qubicle.recipient.acc2.r2.ready',
      'qubicle.recipient.acc1',
      'qubicle.recipient.acc2.r2.x.ready',
      'qubicle.recipient.acc3.marker.ready',
    ];
    for (const key of keys) await bus.publish(ex, key, { key }, { requestId: `rq-${key}` });
    await within(marker.promise, 5000, 'marker event');
    assert.deepEqual(
      got.map((g) => g.key),
      ['qubicle.recipient.acc1.r1.away', 'qubicle.recipient.acc2.r2.ready', 'qubicle.recipient.acc1', 'qubicle.recipient.acc3.marker.ready'],
    );
    assert.deepEqual(got[0], { key: keys[0], body: { key: keys[0] }, requestId: `rq-${keys[0]}` });
  });

  it('publish declares an unknown exchange as topic instead of killing the channel', async () => {
    const ex = unique('auto');
    const got = deferred<unknown>();
    await bus.subscribe({ exchange: ex, bindingKeys: ['#'] }, async (msg) => got.resolve(msg.body));
    await bus.publish(ex, 'a.b', { x: 1 });
    assert.deepEqual(await within(got.promise, 5000, 'event'), { x: 1 });
    await bus.publish(unique('nobody-listens'), 'k', {}); // confirmed even if unrouted
  });

  it('event handler errors and invalid JSON are dead-lettered, never redelivered', async () => {
    const ex = unique('ev');
    const dlx = unique('ev.dlx');
    const dlq = unique('ev.dlq');
    const subq = unique('ev.sub');
    await bus.declareExchange(ex, 'topic');
    await bus.declareExchange(dlx, 'fanout');
    await bus.declareQueue({ name: dlq }, [{ exchange: dlx, routingKey: '' }]);
    let failures = 0;
    const marker = deferred();
    await bus.subscribe(
      { exchange: ex, bindingKeys: ['t.#'], queue: { name: subq, arguments: { 'x-dead-letter-exchange': dlx } }, prefetch: 5 },
      async (msg) => {
        if ((msg.body as { fail?: boolean }).fail) {
          failures++;
          throw new Error('handler failed');
        }
        marker.resolve();
      },
    );
    await bus.publish(ex, 't.fail', { fail: true });
    const client = await raw();
    client.ch.publish(ex, 't.garbage', Buffer.from('<<not json>>'));
    await bus.publish(ex, 't.ok', { fail: false });
    await within(marker.promise, 5000, 'marker event');
    const dead = await client.collect(dlq);
    await dead.wait(2, 5000);
    assert.deepEqual(
      dead.messages.map((m) => [m.fields.routingKey, m.content.toString(), xDeathReason(m)]).sort(),
      [
        ['t.fail', '{"fail":true}', 'rejected'],
        ['t.garbage', '<<not json>>', 'rejected'],
      ],
    );
    assert.equal(failures, 1);
    assert.equal((await client.ch.checkQueue(subq)).messageCount, 0);
  });

  it('reconnects after the broker closes the connection, replaying queues, consumers and the RPC channel', async () => {
    const q = unique('rpc.survivor');
    const ex = unique('ev.survivor');
    await bus.serve({ name: q }, async (msg) => ({ echo: msg.body }), { prefetch: 5 });
    const events: unknown[] = [];
    const eventCond = new Condition();
    await bus.subscribe({ exchange: ex, bindingKeys: ['#'], queue: { name: unique('ev.survivor.q') } }, async (msg) => {
      events.push(msg.body);
      eventCond.notify();
    });
    assert.deepEqual(await bus.call(q, 1, { timeoutMs: 3000 }), { echo: 1 });

    // a call in flight when the connection dies
    const hang = unique('rpc.hang');
    const hangStarted = deferred();
    const release = deferred();
    await bus.serve({ name: hang }, async () => {
      hangStarted.resolve();
      await release.promise;
      return 'too late';
    }, { prefetch: 1 });
    const pendingErr = rejectionOf(bus.call(hang, {}, { timeoutMs: 20_000 }));
    await within(hangStarted.promise, 5000, 'hang handler');

    const reconnectsBefore = bus.reconnects;
    const states: boolean[] = [];
    const stateCond = new Condition();
    let callWhileDown: Promise<Error> | undefined;
    const off = bus.onStateChange((up) => {
      states.push(up);
      if (!up && !callWhileDown) callWhileDown = rejectionOf(bus.call(q, 2, { timeoutMs: 3000 }));
      stateCond.notify();
    });
    try {
      await vhost.closeAllConnections('transport test: forced close');
      await stateCond.wait(() => states.includes(false), 10_000, "'disconnected' state change");
      assert.equal(kindOf(await pendingErr), 'disconnected');
      assert.ok(callWhileDown);
      assert.equal(kindOf(await callWhileDown), 'disconnected');
      await stateCond.wait(() => states.at(-1) === true, 15_000, "'connected' state change");
    } finally {
      off();
      release.resolve();
    }
    assert.equal(bus.isConnected(), true);
    assert.equal(bus.reconnects, reconnectsBefore + 1);

    // served queue, RPC client channel and subscription were re-established
    assert.deepEqual(await bus.call(q, 3, { timeoutMs: 3000 }), { echo: 3 });
    await bus.publish(ex, 'after.reconnect', { n: 'after' });
    await eventCond.wait(() => events.length === 1, 5000, 'event after reconnect');
    assert.deepEqual(events, [{ n: 'after' }]);
    // and the in-flight message of the dead channel was requeued and runs again (at-least-once)
    assert.equal(await bus.call(hang, {}, { timeoutMs: 5000 }), 'too late');
  });

  it('a cancelled consumer is not re-established after a reconnect', async () => {
    const q = unique('rpc.cancelled');
    const consumer = await bus.serve({ name: q }, async () => 'should not answer', { prefetch: 1 });
    await consumer.cancel();
    const reconnectsBefore = bus.reconnects;
    const up = new Condition();
    let sawDown = false;
    const off = bus.onStateChange((connected) => {
      if (!connected) sawDown = true;
      up.notify();
    });
    try {
      assert.equal(await vhost.closeConnectionsNamed('transport-test', 'transport test: forced close'), 1);
      await up.wait(() => sawDown && bus.isConnected(), 15_000, 'reconnect');
    } finally {
      off();
    }
    assert.equal(bus.reconnects, reconnectsBefore + 1);
    const client = await raw();
    assert.equal((await client.ch.checkQueue(q)).consumerCount, 0);
    assert.equal(kindOf(await rejectionOf(bus.call(q, {}, { timeoutMs: 200 }))), 'timeout');
  });

  it('reports through onError when a replayed exclusive consumer is refused after a reconnect', async () => {
    const q = unique('shard.takeover');
    // slow reconnects (>= 1 s) so that the other node takes the queue meanwhile
    const nodeA = createAmqpBus({ url: vhost.url, name: 'node-a', reconnect: { initialDelayMs: 2000, maxDelayMs: 2000 } });
    const nodeB = createAmqpBus({ url: vhost.url, name: 'node-b' });
    extra.push(nodeA, nodeB);
    await nodeA.waitForConnection(10_000);
    const errors: Error[] = [];
    const errCond = new Condition();
    const consumerA = await nodeA.serve({ name: q }, async () => 'A', { prefetch: 1, exclusive: true, onError: (err) => {
      errors.push(err);
      errCond.notify();
    } });
    assert.equal(kindOf(await rejectionOf(nodeB.serve({ name: q }, async () => 'B', { prefetch: 1, exclusive: true }))), 'refused');

    const down = deferred();
    const offA = nodeA.onStateChange((up) => {
      if (!up) down.resolve();
    });
    assert.equal(await vhost.closeConnectionsNamed('node-a'), 1);
    await within(down.promise, 10_000, 'node A disconnected');
    await nodeB.serve({ name: q }, async () => 'B', { prefetch: 1, exclusive: true });
    await errCond.wait(() => errors.length > 0, 15_000, "node A's onError");
    offA();
    assert.equal(kindOf(errors[0]!), 'refused');
    assert.equal(nodeA.isConnected(), true, 'a refused consumer does not take the connection down');
    assert.equal(await nodeA.call(q, {}, { timeoutMs: 3000 }), 'B');
    await within(consumerA.cancel(), 5000, 'cancel of the refused consumer');
  });

  it('quorum queue with single-active-consumer: expiry works, one active consumer, standby takes over', async () => {
    const spec = { name: unique('shard.quorum'), arguments: { 'x-queue-type': 'quorum', 'x-single-active-consumer': true } };
    await bus.declareQueue(spec);
    assert.equal(kindOf(await rejectionOf(bus.call(spec.name, { n: 'expired' }, { timeoutMs: 200 }))), 'timeout');
    const seen: unknown[] = [];
    const marker = bus.call(spec.name, { n: 'marker' }, { timeoutMs: 5000 });
    const first = await bus.serve(spec, async (msg) => {
      seen.push(msg.body);
      return 'first';
    }, { prefetch: 5 });
    assert.equal(await marker, 'first');
    assert.deepEqual(seen, [{ n: 'marker' }]);
    const second = await bus.serve(spec, async () => 'second', { prefetch: 5 });
    for (let i = 0; i < 3; i++) assert.equal(await bus.call(spec.name, i, { timeoutMs: 3000 }), 'first');
    await first.cancel();
    assert.equal(await bus.call(spec.name, 'after', { timeoutMs: 3000 }), 'second');
    await second.cancel();
  });

  it('close() is graceful: pending calls fail with closed, state goes down', async () => {
    const local = createAmqpBus({ url: vhost.url, name: 'transport-test-close' });
    await local.waitForConnection(10_000);
    const q = unique('rpc.void');
    await local.declareQueue({ name: q });
    const states: boolean[] = [];
    local.onStateChange((u) => states.push(u));
    const pendingErr = rejectionOf(local.call(q, {}, { timeoutMs: 10_000 }));
    await local.close();
    assert.equal(kindOf(await pendingErr), 'closed');
    assert.equal(local.isConnected(), false);
    assert.deepEqual(states, [false]);
    assert.equal(kindOf(await rejectionOf(local.call(q, {}, { timeoutMs: 100 }))), 'closed');
    assert.ok(!(await vhost.listConnections()).includes('transport-test-close'));
  });
});
