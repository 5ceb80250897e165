import assert from 'node:assert/strict';
import { DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, shardQueue, type RpcReply } from '@qubicle/contracts';
import { createMemoryBus, NO_REPLY, type IncomingMessage } from '@qubicle/transport';
import { createShardHandler, type ShardHandlerDeps } from '../../src/handlers/shard-handler.js';
import { StoreError } from '../../src/store/port.js';
import { SHARDS, actorHarness } from '../support/actor-harness.js';
import { heldGate } from '../support/gate.js';
import { ACCOUNT, NODE, RECIPIENT, cmd, offerCmd } from '../support/machine-fixtures.js';
import { waitFor } from '../support/wait.js';

interface Published {
  exchange: string;
  key: string;
  body: unknown;
  headers: Record<string, unknown> | undefined;
}

function setup(opts: { publishFails?: boolean } = {}) {
  const h = actorHarness();
  const g = heldGate({ clock: h.clock, shardCount: SHARDS });
  const published: Published[] = [];
  const deps: ShardHandlerDeps = {
    registry: h.registry,
    gate: g.gate,
    store: h.store,
    bus: {
      call: async () => ({ ok: true, data: {} }),
      publish: async (exchange, key, body, o) => {
        if (opts.publishFails) throw new Error('broker gone');
        published.push({ exchange, key, body, headers: o?.headers });
      },
    },
    logger: h.logger,
    node: NODE,
    shardCount: SHARDS,
  };
  const handle = createShardHandler(deps);
  const queue = shardQueue(h.shard);
  /** fire-and-forget: no replyTo */
  const send = (body: unknown, over: Partial<IncomingMessage> = {}) =>
    handle({ body, redelivered: false, headers: {}, routingKey: queue, correlationId: 'corr-ff', messageId: 'msg-1', ...over });
  const rpc = async (body: unknown) => (await send(body, { replyTo: 'amq.rabbitmq.reply-to.x' })) as RpcReply<unknown>;
  return { h, g, published, send, rpc, queue };
}

const withShards = <T extends object>(c: T) => ({ ...c, shard_count: SHARDS });

describe('handlers: fire-and-forget messages (no replyTo)', () => {
  it('an invalid one is published to the dead-letter exchange with reason, origin queue and correlation id, and not answered', async () => {
    const t = setup();
    const body = { type: 'answer', command_id: 'short', account_id: ACCOUNT, recipient_id: RECIPIENT, shard_count: SHARDS };
    assert.equal(await t.send(body), NO_REPLY);
    assert.equal(t.published.length, 1);
    const dl = t.published[0]!;
    assert.equal(dl.exchange, DEAD_LETTER_EXCHANGE);
    assert.equal(dl.key, t.queue);
    assert.deepEqual(dl.body, body);
    assert.match(String(dl.headers!['x-reason']), /^invalid_message: invalid shard message: .*session_id/);
    assert.equal(dl.headers!['x-original-queue'], t.queue);
    assert.equal(dl.headers!['x-correlation-id'], 'corr-ff');
    assert.equal(dl.headers!['x-original-message-id'], 'msg-1');
    const warn = t.h.logger.entries.find((e) => e.msg === 'invalid shard message');
    assert.equal((warn?.obj as { correlationId?: string }).correlationId, 'corr-ff');
    assert.equal((warn?.obj as { fireAndForget?: boolean }).fireAndForget, true);
  });

  it('the same invalid message as an RPC gets invalid_message and is not dead-lettered', async () => {
    const t = setup();
    const r = await t.rpc({ type: 'answer', account_id: ACCOUNT });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'invalid_message');
    assert.equal(t.published.length, 0);
  });

  it('a fire-and-forget message routed with another shard count is dead-lettered (shard_mismatch)', async () => {
    const t = setup();
    assert.equal(await t.send({ ...cmd({ type: 'login' }), shard_count: SHARDS + 1 }), NO_REPLY);
    assert.match(String(t.published[0]!.headers!['x-reason']), /^shard_mismatch/);
  });

  it('a fire-and-forget message on a shard queue that does not serve its recipient is dead-lettered (misrouted)', async () => {
    const t = setup();
    const elsewhere = shardQueue((t.h.shard + 1) % SHARDS);
    assert.equal(await t.send(withShards(cmd({ type: 'login' })), { routingKey: elsewhere }), NO_REPLY);
    assert.match(String(t.published[0]!.headers!['x-reason']), /^misrouted: /);
    assert.equal(t.published[0]!.headers!['x-original-queue'], elsewhere);
  });

  it('a valid one is applied; a refused one (wrong session) is logged with its correlation id, changes nothing, is not dead-lettered', async () => {
    const t = setup();
    await t.rpc(withShards(cmd({ type: 'login' })));
    await t.rpc(withShards(cmd({ type: 'set_status', status: 'ready' })));
    await t.rpc(withShards(offerCmd('call-ff')));
    const refused = (await t.send(withShards(cmd({ type: 'answer', session_id: 'another-call' })), { correlationId: 'corr-refused' })) as RpcReply<unknown>;
    assert.equal(!refused.ok && refused.error.code, 'invalid_transition');
    const info = t.h.logger.entries.find((e) => e.msg === 'fire-and-forget message refused');
    assert.equal((info?.obj as { correlationId?: string }).correlationId, 'corr-refused');
    assert.equal(t.h.registry.peek(ACCOUNT, RECIPIENT)?.state?.availability_state, 'Call-Offer');
    await t.send(withShards(cmd({ type: 'answer', session_id: 'call-ff' })));
    assert.equal(t.h.registry.peek(ACCOUNT, RECIPIENT)?.state?.availability_state, 'On-A-Call');
    assert.equal(t.published.length, 0);
  });

  it('a valid one whose write the store refuses (unavailable) is dead-lettered, not dropped without a trace', async () => {
    const t = setup();
    await t.rpc(withShards(cmd({ type: 'login' })));
    t.h.store.failNext('saveRecipients', new StoreError('unavailable', 'sqlite store unavailable: I/O error (SQLITE_IOERR_WRITE)'));
    const body = withShards(cmd({ type: 'set_status', status: 'ready' }));
    assert.equal(await t.send(body), NO_REPLY);
    assert.equal(t.published.length, 1);
    assert.deepEqual(t.published[0]!.body, body);
    assert.equal(t.published[0]!.headers!['x-reason'], 'unavailable: datastore unavailable: sqlite store unavailable: I/O error (SQLITE_IOERR_WRITE)');
    assert.equal(t.h.registry.peek(ACCOUNT, RECIPIENT)?.state?.availability_state, 'Away', 'nothing applied');
  });

  it('a shard suspended (store unavailable): an RPC gets 503 naming the store at once, a fire-and-forget one is dead-lettered; nothing runs', async () => {
    const t = setup();
    t.g.suspend(t.h.shard, 'sqlite store locked: …');
    const reason = `shard ${t.h.shard} is suspended on ${NODE}: its lease cannot be renewed (sqlite store locked: …); retry`;
    const calls = t.h.store.calls.length;
    const rpc = await t.rpc(withShards(cmd({ type: 'login' })));
    assert.deepEqual(rpc, { ok: false, error: { code: 'unavailable', message: reason }, node: NODE });
    // even a malformed one: nothing is looked at while the shard cannot be served
    assert.equal(await t.send({ type: 'hangup' }), NO_REPLY);
    assert.equal(t.published[0]!.headers!['x-reason'], `unavailable: ${reason}`);
    assert.equal(t.h.store.calls.length, calls, 'no store call');
    assert.equal(t.h.registry.size, 0, 'no actor created');
  });

  it('a dead-letter publish that fails is logged and the message is still settled (never a loop)', async () => {
    const t = setup({ publishFails: true });
    assert.equal(await t.send({ type: 'hangup' }), NO_REPLY);
    assert.ok(t.h.logger.entries.some((e) => e.level === 'error' && e.msg === 'dead-letter publish failed; message dropped'));
  });

  it('over the memory bus: invalid JSON and invalid bodies without replyTo end in the dead-letter queue, once each', async () => {
    const bus = createMemoryBus();
    const t = setup();
    await bus.declareExchange(DEAD_LETTER_EXCHANGE, 'fanout');
    await bus.declareQueue({ name: DEAD_LETTER_QUEUE }, [{ exchange: DEAD_LETTER_EXCHANGE, routingKey: '' }]);
    const handler = createShardHandler({
      registry: t.h.registry,
      gate: t.g.gate,
      store: t.h.store,
      bus,
      logger: t.h.logger,
      node: NODE,
      shardCount: SHARDS,
    });
    const consumer = await bus.serve({ name: t.queue }, handler, { prefetch: 4, deadLetterExchange: DEAD_LETTER_EXCHANGE });
    try {
      bus.sendRaw(t.queue, '{"type":"offer"', {});
      bus.sendRaw(t.queue, JSON.stringify({ type: 'offer', account_id: ACCOUNT }), {});
      await waitFor(() => bus.queueDepth(DEAD_LETTER_QUEUE) === 2, 'both messages in the dead-letter queue');
      assert.equal(bus.queueDepth(t.queue), 0, 'nothing went back to the shard queue');
      const rpc = (await bus.call(t.queue, withShards(cmd({ type: 'get_status' })), { timeoutMs: 1000 })) as RpcReply<unknown>;
      assert.equal(rpc.ok, true, 'the consumer still serves');
      assert.equal(bus.queueDepth(DEAD_LETTER_QUEUE), 2, 'exactly once each');
    } finally {
      await consumer.cancel();
      await bus.close();
    }
  });
});
