/**
 * get_snapshot (the gateway's live view): status + the seq of the last published event, read
 * through each recipient's mailbox, so the pair is consistent even while commands are queued.
 */
import assert from 'node:assert/strict';
import { shardOf, shardQueue, validateGetSnapshotReply, type GetSnapshotReply, type RpcReply } from '@qubicle/contracts';
import { REQUEUE, type IncomingMessage } from '@qubicle/transport';
import { createShardHandler } from '../../src/handlers/shard-handler.js';
import { SHARDS, actorHarness } from '../support/actor-harness.js';
import { heldGate } from '../support/gate.js';
import { ACCOUNT, NODE, RECIPIENT, cmd } from '../support/machine-fixtures.js';

function setup() {
  const h = actorHarness();
  const g = heldGate({ clock: h.clock, shardCount: SHARDS });
  const handle = createShardHandler({
    registry: h.registry,
    gate: g.gate,
    store: h.store,
    bus: { call: async () => ({ ok: false, error: { code: 'unavailable', message: 'no' } }) },
    logger: h.logger,
    node: NODE,
    shardCount: SHARDS,
  });
  // every recipient of these tests is on RECIPIENT's shard or asked through its queue
  const queue = shardQueue(shardOf(ACCOUNT, RECIPIENT, SHARDS));
  const send = async (body: unknown) =>
    (await handle({ body, redelivered: false, headers: {}, routingKey: queue, correlationId: 'c', replyTo: 'r' } as IncomingMessage)) as RpcReply<unknown>;
  const command = (body: Parameters<typeof cmd>[0], recipient = RECIPIENT) => ({ ...cmd(body, { recipient_id: recipient }), shard_count: SHARDS });
  const snapshot = (ids: string[]) => send({ type: 'get_snapshot', command_id: 'snap-0001', account_id: ACCOUNT, recipient_ids: ids, shard_count: SHARDS });
  return { h, send, command, snapshot, g };
}

describe('handlers: get_snapshot', () => {
  it('answers status + last event seq of logged-in recipients only', async () => {
    const t = setup();
    await t.send(t.command({ type: 'login' }));
    await t.send(t.command({ type: 'set_status', status: 'ready' }));
    // a user of RECIPIENT's shard who is not logged in (OTHER is on another shard: misrouted here)
    let other = '';
    for (let i = 0; other === ''; i++) {
      const id = `e${i.toString(16).padStart(31, '0')}`;
      if (shardOf(ACCOUNT, id, SHARDS) === shardOf(ACCOUNT, RECIPIENT, SHARDS)) other = id;
    }
    t.h.store.addUser(ACCOUNT, other);
    const r = await t.snapshot([RECIPIENT, other]);
    assert.ok(r.ok, JSON.stringify(r));
    const v = validateGetSnapshotReply(r.data);
    assert.ok(v.ok, JSON.stringify(v));
    const data = r.data as GetSnapshotReply;
    assert.deepEqual(Object.keys(data), [RECIPIENT], 'the other user is not logged in: left out');
    const events = t.h.bus.events.filter((e) => e.recipient_id === RECIPIENT);
    assert.equal(data[RECIPIENT]!.seq, events[events.length - 1]!.seq);
    assert.equal(data[RECIPIENT]!.status.availability_state, 'Ready');
    assert.equal(t.h.registry.size, 1, 'no actor created for the read');
  });

  it('is read in the mailbox: a command queued before it is included, one queued after is not', async () => {
    const t = setup();
    await t.send(t.command({ type: 'login' }));
    const before = t.send(t.command({ type: 'set_status', status: 'ready' }));
    const snap = t.snapshot([RECIPIENT]);
    const after = t.send(t.command({ type: 'set_status', status: 'away' }));
    const [, r] = await Promise.all([before, snap, after]);
    assert.ok(r.ok);
    const data = r.data as GetSnapshotReply;
    const readyEvent = t.h.bus.events.find((e) => e.event === 'ready');
    assert.equal(data[RECIPIENT]!.status.availability_state, 'Ready');
    assert.equal(data[RECIPIENT]!.seq, readyEvent!.seq);
    const awayEvent = t.h.bus.events.find((e) => e.event === 'away');
    assert.ok(awayEvent!.seq > data[RECIPIENT]!.seq);
  });

  it('from the queue of a shard not held here → requeued for its owner, nothing read', async () => {
    const t = setup();
    t.g.release(shardOf(ACCOUNT, RECIPIENT, SHARDS));
    assert.equal(await t.snapshot([RECIPIENT]), REQUEUE);
    assert.equal(t.h.registry.size, 0);
  });
});
