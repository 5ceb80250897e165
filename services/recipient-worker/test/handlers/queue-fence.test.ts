/**
 * Point 7 of the queue issue, on the recipient side: an offer carries its queue's fence (the
 * queue shard and the lease epoch its process runs under), and is refused (`stale_queue`, nothing
 * changed) when the store's lease of that shard is newer: a zombie queue cannot ring a phone.
 */
import assert from 'node:assert/strict';
import { shardOf, shardQueue, type RpcReply } from '@qubicle/contracts';
import type { IncomingMessage } from '@qubicle/transport';
import { createShardHandler } from '../../src/handlers/shard-handler.js';
import { SHARDS, actorHarness } from '../support/actor-harness.js';
import { heldGate } from '../support/gate.js';
import { ACCOUNT, NODE, RECIPIENT, call, cmd } from '../support/machine-fixtures.js';

function setup() {
  const h = actorHarness();
  const g = heldGate({ clock: h.clock, shardCount: SHARDS });
  const handle = createShardHandler({ registry: h.registry, gate: g.gate, store: h.store, bus: { call: async () => ({ ok: true, data: null }) }, logger: h.logger, node: NODE, shardCount: SHARDS });
  const send = async (body: object) => {
    const msg: IncomingMessage = { body: { ...(cmd(body as Parameters<typeof cmd>[0]) as object), shard_count: SHARDS }, redelivered: false, headers: {}, routingKey: shardQueue(shardOf(ACCOUNT, RECIPIENT, SHARDS)), replyTo: 'amq.rabbitmq.reply-to' };
    return (await handle(msg)) as RpcReply<unknown>;
  };
  return { h, send };
}

describe('handlers: an offer of a stale queue process is refused', () => {
  // the queue's shard: another shard than the recipient's (whose lease the actor writes under)
  const queueShard = (shardOf(ACCOUNT, RECIPIENT, SHARDS) + 1) % SHARDS;

  async function readyRecipient() {
    const t = setup();
    assert.ok((await t.send({ type: 'login' })).ok);
    assert.ok((await t.send({ type: 'set_status', status: 'ready' })).ok);
    // the queue's shard was taken over: its lease is at epoch 3 now
    t.h.store.leases.set(queueShard, { shard: queueShard, owner: 'node-b', epoch: 3, expires_at: Number.MAX_SAFE_INTEGER });
    return t;
  }

  it('an offer fenced with an older epoch than the queue shard’s lease: stale_queue, the recipient does not ring', async () => {
    const t = await readyRecipient();
    const reply = await t.send({ type: 'offer', call: call('zombie-1'), offer_timeout_seconds: 20, wrapup_seconds: 0, queue_fence: { shard: queueShard, epoch: 2 } });
    assert.deepEqual(reply.ok && reply.data, { accepted: false, reason: 'stale_queue' });
    const status = await t.send({ type: 'get_status' });
    assert.equal(status.ok && (status.data as { availability_state: string }).availability_state, 'Ready', 'nothing changed');
  });

  it('the current epoch (or no fence at all: a queue service outside the cluster) is offered as before', async () => {
    const t = await readyRecipient();
    const current = await t.send({ type: 'offer', call: call('live-1'), offer_timeout_seconds: 20, wrapup_seconds: 0, queue_fence: { shard: queueShard, epoch: 3 } });
    assert.deepEqual(current.ok && current.data, { accepted: true });
    const t2 = await readyRecipient();
    const unfenced = await t2.send({ type: 'offer', call: call('live-2'), offer_timeout_seconds: 20, wrapup_seconds: 0 });
    assert.deepEqual(unfenced.ok && unfenced.data, { accepted: true });
  });
});
