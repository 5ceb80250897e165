import assert from 'node:assert/strict';
import { createMemoryBus, NO_REPLY, REQUEUE, TransportError, type DeadLetter, type IncomingMessage, type MemoryBus } from '../../src/index.js';
import { Condition, deferred, rejectionOf, within } from '../support/wait.js';

function kindOf(err: Error): string {
  assert.ok(err instanceof TransportError, `expected a TransportError, got ${err}`);
  return err.kind;
}

describe('memory bus', () => {
  let bus: MemoryBus;
  let deadLetters: DeadLetter[];
  let dlCond: Condition;

  beforeEach(() => {
    deadLetters = [];
    dlCond = new Condition();
    bus = createMemoryBus({
      onDeadLetter: (dl) => {
        deadLetters.push(dl);
        dlCond.notify();
      },
    });
  });
  afterEach(async () => {
    await bus.close();
  });

  describe('rpc', () => {
    it('round-trips a call with request id, deadline and headers', async () => {
      let seen: IncomingMessage | undefined;
      await bus.serve({ name: 'echo' }, async (msg) => {
        seen = msg;
        return { echo: msg.body };
      }, { prefetch: 5 });
      const before = Date.now();
      const reply = await bus.call('echo', { hello: 'world' }, { timeoutMs: 1000, requestId: 'req-1', headers: { 'x-extra': 'yes' } });
      assert.deepEqual(reply, { echo: { hello: 'world' } });
      assert.ok(seen);
      assert.equal(seen.requestId, 'req-1');
      assert.equal(seen.headers['x-extra'], 'yes');
      assert.equal(seen.routingKey, 'echo');
      assert.equal(seen.redelivered, false);
      assert.equal(typeof seen.correlationId, 'string');
      assert.ok(seen.deadline !== undefined && seen.deadline >= before + 1000 && seen.deadline <= Date.now() + 1000);
    });

    it('never shares objects between caller and server (JSON round trip)', async () => {
      const serverSide = { list: [1, 2] };
      let received: unknown;
      await bus.serve({ name: 'clone' }, async (msg) => {
        received = msg.body;
        return serverSide;
      }, { prefetch: 1 });
      const sent = { nested: { a: 1 }, when: new Date(0) };
      const reply = (await bus.call('clone', sent, { timeoutMs: 1000 })) as { list: number[] };
      assert.notEqual(reply, serverSide);
      reply.list.push(3);
      assert.deepEqual(serverSide.list, [1, 2]);
      assert.notEqual(received, sent);
      assert.deepEqual(received, { nested: { a: 1 }, when: '1970-01-01T00:00:00.000Z' });
    });

    it('delivers asynchronously, never inside call()', async () => {
      let callReturned = false;
      let handlerSawReturned: boolean | undefined;
      await bus.serve({ name: 'async' }, async () => {
        handlerSawReturned = callReturned;
        return 'ok';
      }, { prefetch: 1 });
      const p = bus.call('async', null, { timeoutMs: 1000 });
      callReturned = true;
      assert.equal(await p, 'ok');
      assert.equal(handlerSawReturned, true);
    });

    it('rejects an unroutable call at once', async () => {
      const started = Date.now();
      const err = await rejectionOf(bus.call('nobody', {}, { timeoutMs: 5000 }));
      assert.equal(kindOf(err), 'unroutable');
      assert.ok(Date.now() - started < 1000);
    });

    it('times out when no reply comes, and ignores the late reply', async () => {
      const gate = deferred();
      const started = deferred();
      await bus.serve({ name: 'slow' }, async () => {
        started.resolve();
        await gate.promise;
        return 'late';
      }, { prefetch: 1 });
      const p = bus.call('slow', {}, { timeoutMs: 50 });
      await within(started.promise, 1000, 'handler start');
      assert.equal(kindOf(await rejectionOf(p)), 'timeout');
      gate.resolve();
      // a fresh call still gets its own reply, not the late one
      const d = deferred();
      await bus.serve({ name: 'fast' }, async () => {
        d.resolve();
        return 'fast';
      }, { prefetch: 1 });
      assert.equal(await bus.call('fast', {}, { timeoutMs: 1000 }), 'fast');
    });

    it('NO_REPLY acks without replying (the call times out)', async () => {
      const handled = deferred();
      await bus.serve({ name: 'silent' }, async () => {
        handled.resolve();
        return NO_REPLY;
      }, { prefetch: 1 });
      const p = bus.call('silent', {}, { timeoutMs: 100 });
      await within(handled.promise, 1000, 'handler');
      assert.equal(kindOf(await rejectionOf(p)), 'timeout');
      assert.equal(bus.queueDepth('silent'), 0);
    });

    it('REQUEUE puts the message back, unanswered, for the next consumer (redelivered)', async () => {
      let first: { cancel(): Promise<void> } | undefined;
      const refusedOnce = deferred();
      first = await bus.serve({ name: 'handover' }, async () => {
        void first?.cancel(); // a handler requeues only once its consumer is going away
        refusedOnce.resolve();
        return REQUEUE;
      }, { prefetch: 1 });
      const p = bus.call('handover', { n: 1 }, { timeoutMs: 2000 });
      await within(refusedOnce.promise, 1000, 'first handler');
      await first.cancel();
      assert.equal(bus.queueDepth('handover'), 1, 'the message is back in the queue');
      const seen: IncomingMessage[] = [];
      await bus.serve({ name: 'handover' }, async (msg) => {
        seen.push(msg);
        return 'second';
      }, { prefetch: 1 });
      assert.equal(await p, 'second');
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.redelivered, true);
    });

    it('drops a command that expired before anyone consumed it (never executed late)', async () => {
      await bus.declareQueue({ name: 'idle', arguments: { 'x-dead-letter-exchange': 'dlx' } });
      const err = await rejectionOf(bus.call('idle', { n: 'expired' }, { timeoutMs: 30 }));
      assert.equal(kindOf(err), 'timeout');

      const seen: unknown[] = [];
      const marker = bus.call('idle', { n: 'marker' }, { timeoutMs: 2000 });
      await bus.serve({ name: 'idle' }, async (msg) => {
        seen.push(msg.body);
        return 'done';
      }, { prefetch: 10 });
      assert.equal(await marker, 'done');
      assert.deepEqual(seen, [{ n: 'marker' }]);
      const expired = deadLetters.filter((d) => d.reason === 'expired');
      assert.equal(expired.length, 1);
      assert.deepEqual(JSON.parse(expired[0]!.content), { n: 'expired' });
    });

    it('a handler that throws yields an internal error reply', async () => {
      await bus.serve({ name: 'boom' }, async () => {
        throw new Error('kaboom');
      }, { prefetch: 1 });
      assert.deepEqual(await bus.call('boom', {}, { timeoutMs: 1000 }), {
        ok: false,
        error: { code: 'internal', message: 'kaboom' },
      });
    });

    it('invalid JSON: error reply with replyTo, dead letter without', async () => {
      await bus.declareExchange('dlx', 'fanout');
      await bus.declareQueue({ name: 'dlq' }, [{ exchange: 'dlx', routingKey: '' }]);
      let calls = 0;
      await bus.serve({ name: 'strict', arguments: { 'x-dead-letter-exchange': 'dlx' } }, async () => {
        calls++;
        return 'ok';
      }, { prefetch: 1 });
      const reply = (await bus.callRaw('strict', '{not json', { timeoutMs: 1000 })) as { ok: boolean; error: { code: string } };
      assert.equal(reply.ok, false);
      assert.equal(reply.error.code, 'invalid_message');

      bus.sendRaw('strict', 'also not json');
      await dlCond.wait(() => deadLetters.length > 0, 1000, 'dead letter');
      assert.equal(deadLetters.length, 1);
      assert.equal(deadLetters[0]!.reason, 'rejected');
      assert.equal(deadLetters[0]!.content, 'also not json');
      assert.equal(bus.queueDepth('dlq'), 1);
      assert.equal(await bus.call('strict', {}, { timeoutMs: 1000 }), 'ok');
      assert.equal(calls, 1);
      assert.equal(bus.deadLetters.length, 1);
    });

    it('prefetch bounds concurrency', async () => {
      let active = 0;
      let max = 0;
      const cond = new Condition();
      const gate = deferred();
      await bus.serve({ name: 'busy' }, async () => {
        active++;
        max = Math.max(max, active);
        cond.notify();
        await gate.promise;
        active--;
        return 'ok';
      }, { prefetch: 3 });
      const calls = Array.from({ length: 10 }, () => bus.call('busy', {}, { timeoutMs: 2000 }));
      await cond.wait(() => active === 3, 1000, '3 active handlers');
      // every remaining message is still queued: nothing else was delivered
      await new Promise((r) => setImmediate(r));
      assert.equal(bus.queueDepth('busy'), 7);
      gate.resolve();
      assert.deepEqual(await Promise.all(calls), Array(10).fill('ok'));
      assert.equal(max, 3);
    });

    it('refuses a second exclusive consumer, and the first keeps working', async () => {
      await bus.serve({ name: 'shard.1' }, async () => 'first', { prefetch: 1, exclusive: true });
      const err = await rejectionOf(bus.serve({ name: 'shard.1' }, async () => 'second', { prefetch: 1, exclusive: true }));
      assert.equal(kindOf(err), 'refused');
      const err2 = await rejectionOf(bus.serve({ name: 'shard.1' }, async () => 'third', { prefetch: 1 }));
      assert.equal(kindOf(err2), 'refused');
      assert.equal(await bus.call('shard.1', {}, { timeoutMs: 1000 }), 'first');
    });

    it('single-active-consumer: only the first consumer gets messages until it cancels', async () => {
      const spec = { name: 'sac', arguments: { 'x-single-active-consumer': true } };
      const a = await bus.serve(spec, async () => 'a', { prefetch: 5 });
      await bus.serve(spec, async () => 'b', { prefetch: 5 });
      for (let i = 0; i < 4; i++) assert.equal(await bus.call('sac', {}, { timeoutMs: 1000 }), 'a');
      await a.cancel();
      assert.equal(await bus.call('sac', {}, { timeoutMs: 1000 }), 'b');
    });

    it('cancel waits for in-flight handlers and stops deliveries', async () => {
      const gate = deferred();
      const started = deferred();
      const consumer = await bus.serve({ name: 'work' }, async () => {
        started.resolve();
        await gate.promise;
        return 'finished';
      }, { prefetch: 1 });
      const p = bus.call('work', {}, { timeoutMs: 2000 });
      await within(started.promise, 1000, 'handler start');
      let cancelled = false;
      const c = consumer.cancel().then(() => {
        cancelled = true;
      });
      await new Promise((r) => setImmediate(r));
      assert.equal(cancelled, false);
      gate.resolve();
      await c;
      assert.equal(await p, 'finished');
      assert.equal(kindOf(await rejectionOf(bus.call('work', {}, { timeoutMs: 50 }))), 'timeout');
    });
  });

  describe('events', () => {
    it('routes by topic bindings, in order', async () => {
      await bus.declareExchange('events', 'topic');
      const got: string[] = [];
      const marker = deferred();
      await bus.subscribe({ exchange: 'events', bindingKeys: ['r.*.*.ready', 'r.acc1.#'] }, async (msg) => {
        got.push(msg.routingKey);
        if (msg.routingKey === 'r.acc9.x.ready') marker.resolve();
      });
      for (const key of ['r.acc1.a.away', 'r.acc2.b.away', 'r.acc2.b.ready', 'r.acc1', 'r.acc2.b.c.ready', 'r.acc9.x.ready']) {
        await bus.publish('events', key, { key }, { requestId: 'rq' });
      }
      await within(marker.promise, 1000, 'marker event');
      assert.deepEqual(got, ['r.acc1.a.away', 'r.acc2.b.ready', 'r.acc1', 'r.acc9.x.ready']);
    });

    it('handler errors and invalid JSON are dead-lettered, not redelivered', async () => {
      await bus.declareExchange('ev', 'topic');
      await bus.declareExchange('ev.dlx', 'fanout');
      await bus.declareQueue({ name: 'ev.dlq' }, [{ exchange: 'ev.dlx', routingKey: '' }]);
      let attempts = 0;
      const marker = deferred();
      await bus.subscribe(
        { exchange: 'ev', bindingKeys: ['#'], queue: { name: 'ev.sub', arguments: { 'x-dead-letter-exchange': 'ev.dlx' } } },
        async (msg) => {
          if ((msg.body as { fail?: boolean }).fail) {
            attempts++;
            throw new Error('nope');
          }
          marker.resolve();
        },
      );
      await bus.publish('ev', 'a.b', { fail: true });
      bus.sendRaw('ev.sub', '<xml/>');
      await bus.publish('ev', 'a.c', { fail: false });
      await within(marker.promise, 1000, 'marker');
      assert.equal(attempts, 1);
      assert.deepEqual(
        deadLetters.map((d) => [d.queue, d.reason, d.content]),
        [
          ['ev.sub', 'rejected', '{"fail":true}'],
          ['ev.sub', 'rejected', '<xml/>'],
        ],
      );
      assert.equal(bus.queueDepth('ev.dlq'), 2);
    });

    it('a server-named subscription queue is deleted on cancel', async () => {
      const got = deferred<unknown>();
      const sub = await bus.subscribe({ exchange: 'tmp', bindingKeys: ['x'] }, async (msg) => got.resolve(msg.body));
      await bus.publish('tmp', 'x', 1);
      assert.equal(await within(got.promise, 1000, 'event'), 1);
      await sub.cancel();
      // publishing again reaches no queue (and does not fail)
      await bus.publish('tmp', 'x', 2);
    });
  });

  describe('connection state', () => {
    it('simulated outage: pending calls fail, new calls fail fast, in-flight work is redelivered', async () => {
      const states: boolean[] = [];
      bus.onStateChange((up) => states.push(up));
      const cond = new Condition();
      const seen: Array<{ body: unknown; redelivered: boolean }> = [];
      const gate = deferred();
      await bus.serve({ name: 'w' }, async (msg) => {
        seen.push({ body: msg.body, redelivered: msg.redelivered });
        cond.notify();
        if (!msg.redelivered) await gate.promise;
        return 'ok';
      }, { prefetch: 1 });
      const p = bus.call('w', { n: 1 }, { timeoutMs: 5000 });
      await cond.wait(() => seen.length === 1, 1000, 'first delivery');
      bus.simulateDisconnect();
      assert.equal(bus.isConnected(), false);
      assert.equal(kindOf(await rejectionOf(p)), 'disconnected');
      assert.equal(kindOf(await rejectionOf(bus.call('w', {}, { timeoutMs: 1000 }))), 'disconnected');
      assert.equal(kindOf(await rejectionOf(bus.publish('x', 'y', {}))), 'disconnected');
      gate.resolve(); // its ack is lost
      bus.simulateReconnect();
      assert.equal(bus.reconnects, 1);
      assert.deepEqual(states, [false, true]);
      await cond.wait(() => seen.length === 2, 1000, 'redelivery');
      assert.deepEqual(seen[1], { body: { n: 1 }, redelivered: true });
      assert.equal(await bus.call('w', { n: 2 }, { timeoutMs: 1000 }), 'ok');
    });

    it('close rejects pending calls with closed', async () => {
      await bus.declareQueue({ name: 'void' });
      const p = bus.call('void', {}, { timeoutMs: 5000 });
      await bus.close();
      assert.equal(kindOf(await rejectionOf(p)), 'closed');
      assert.equal(bus.isConnected(), false);
      assert.equal(kindOf(await rejectionOf(bus.call('void', {}, { timeoutMs: 100 }))), 'closed');
    });
  });
});
