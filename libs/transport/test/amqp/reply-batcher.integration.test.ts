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

  describe('unit (a fake reply channel, an injected clock)', () => {
    interface Sent { to: string; body: string; type?: string; correlationId?: string }
    /** A reply outlet that can be opened and closed by the test. */
    function fakeOutlet() {
      const sent: Sent[] = [];
      const listeners = new Set<() => void>();
      const outlet = {
        open: true,
        publish: (to: string, content: Buffer, props: { type?: string; correlationId?: string }) => {
          if (!outlet.open) return false;
          sent.push({ to, body: content.toString(), ...(props.type ? { type: props.type } : {}), ...(props.correlationId ? { correlationId: props.correlationId } : {}) });
          return true;
        },
        onOpen: (l: () => void) => {
          listeners.add(l);
          return () => listeners.delete(l);
        },
        reopen: () => {
          outlet.open = true;
          for (const l of listeners) l();
        },
      };
      return { outlet, sent };
    }
    function clock() {
      let now = 1_000_000;
      const timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
      return {
        now: () => now,
        setTimer: (fn: () => void, ms: number) => {
          const t = { at: now + ms, fn, live: true };
          timers.push(t);
          return () => {
            t.live = false;
          };
        },
        advance(ms: number) {
          now += ms;
          for (const t of timers) if (t.live && t.at <= now) {
            t.live = false;
            t.fn();
          }
        },
      };
    }
    const reply = (correlationId: string, over: Partial<Parameters<ReplyBatcher['send']>[0]> = {}) => ({
      replyTo: 'to-1',
      correlationId,
      requestId: undefined,
      json: JSON.stringify(correlationId),
      batch: true,
      deadline: undefined,
      ...over,
    });

    it('a group of one is a plain reply; several to one address are one batch; non-batch callers get plain ones', async () => {
      const { outlet, sent } = fakeOutlet();
      const b = new ReplyBatcher(outlet);
      await b.send(reply('c1'));
      assert.deepEqual(sent, [{ to: 'to-1', body: '"c1"', correlationId: 'c1' }]);
      sent.length = 0;
      await Promise.all([b.send(reply('c2')), b.send(reply('c3')), b.send(reply('p1', { batch: false })), b.send(reply('p2', { batch: false }))]);
      assert.deepEqual(sent, [
        { to: 'to-1', body: '[{"c":"c2","b":"c2"},{"c":"c3","b":"c3"}]', type: REPLY_BATCH_TYPE },
        { to: 'to-1', body: '"p1"', correlationId: 'p1' },
        { to: 'to-1', body: '"p2"', correlationId: 'p2' },
      ]);
      assert.deepEqual(b.stats, { messages: 4, replies: 5, dropped: 0 });
    });

    it('reply channel down: replies are held and sent when it opens again; past their deadline they are dropped', async () => {
      const { outlet, sent } = fakeOutlet();
      const c = clock();
      const b = new ReplyBatcher(outlet, { now: c.now, setTimer: c.setTimer, maxHoldMs: 10_000 });
      outlet.open = false;
      const settled: string[] = [];
      const track = (id: string, p: Promise<void>) => p.then(() => settled.push(id));
      const soon = track('soon', b.send(reply('soon', { deadline: c.now() + 1000 })));
      const later = track('later', b.send(reply('later', { deadline: c.now() + 5000 })));
      const plain = track('plain', b.send(reply('plain', { batch: false })));
      await new Promise((r) => setImmediate(r)); // the end of the turn: nothing could be sent
      assert.equal(sent.length, 0);
      assert.deepEqual(settled, [], 'held: the requests are not acked yet');
      c.advance(1001);
      await soon;
      assert.deepEqual(settled, ['soon'], 'the one past its deadline was dropped (and may be acked)');
      outlet.reopen();
      await Promise.all([later, plain]);
      assert.deepEqual(sent.map((s) => s.body).sort(), ['"later"', '"plain"']);
      assert.equal(b.stats.dropped, 1);
    });

    it('a reply without a deadline is held maxHoldMs at most; stop() drops what is held at once', async () => {
      const { outlet, sent } = fakeOutlet();
      const c = clock();
      const b = new ReplyBatcher(outlet, { now: c.now, setTimer: c.setTimer, maxHoldMs: 10_000 });
      outlet.open = false;
      let done = false;
      const p = b.send(reply('x')).then(() => (done = true));
      await new Promise((r) => setImmediate(r));
      c.advance(9_999);
      await new Promise((r) => setImmediate(r));
      assert.equal(done, false);
      c.advance(2);
      await p;
      const q = b.send(reply('y'));
      await new Promise((r) => setImmediate(r));
      b.stop();
      await q;
      assert.deepEqual(sent, []);
      assert.equal(b.stats.dropped, 2);
    });
  });
});
