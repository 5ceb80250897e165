/**
 * A hand-over of a shard whose queue events the broker keeps refusing (issue 13, point 7): the
 * registry's drain gives up after its bound (QUEUE_DRAIN_MS, as the sessions' SESSION_DRAIN_MS)
 * instead of holding the shard forever; the events not out stay in the queue outbox, and the next
 * owner publishes them first, in order, before any event of its own.
 */
import assert from 'node:assert/strict';
import { QUEUE_DEFAULTS, routingSettingsOf, shardOf, type QueueEvent } from '@qubicle/contracts';
import { ManualClock } from '../../../src/clock.js';
import { MemoryQueueDocs, QUEUE_DRAIN_MS, QueueEventRelay, QueueRegistry, type QueueActorEnv } from '../../../src/queue/runtime/index.js';
import type { Fence } from '../../../src/store/port.js';
import { captureLogger } from '../../support/logger.js';
import { ACCOUNT, T0 } from '../../support/machine-fixtures.js';
import { TestStore } from '../../support/test-store.js';
import { waitFor } from '../../support/wait.js';

const SHARDS = 4;
const Q = 'c0000000000000000000000000000009';
const SHARD = shardOf(ACCOUNT, Q, SHARDS);
const DOC = { name: 'Q', ...QUEUE_DEFAULTS };

function node(name: string, store: TestStore, clock: ManualClock, fence: () => Fence | null, publish: (e: QueueEvent) => Promise<void>) {
  const logger = captureLogger();
  const sessions = { delivered: async () => undefined, ended: async () => undefined, redirected: async () => undefined };
  const relay = new QueueEventRelay({ bus: { publish: async (_x, _k, e) => publish(e as QueueEvent) }, store: store.queues, sessions, clock, logger, retryMs: 100 });
  let n = 0;
  const env: QueueActorEnv = {
    store: store.queues,
    clock,
    logger,
    node: name,
    fenceOf: (s) => (s === SHARD ? fence() : null),
    onFenced: () => undefined,
    publish: (s, events) => relay.add(s, events),
    recipients: { offer: async () => ({ accepted: true }), withdraw: async () => true, setAway: async () => undefined, statusOf: async () => ({ status: { available: false, availability_state: 'Not-Logged-In' }, seq: 0 }) },
    sessions,
    newId: () => `${name}-${String(++n).padStart(6, '0')}`,
  };
  const docs = new MemoryQueueDocs();
  docs.put(ACCOUNT, Q, { doc: DOC, members: [] });
  const registry = new QueueRegistry({ env, store: store.queues, docs, relay, bus: { subscribe: async () => ({ cancel: async () => undefined }) as never }, logger, shardCount: SHARDS, readStatuses: async () => [] });
  return { registry, logger };
}

const join = (sid: string) => ({ type: 'join' as const, input_id: `join-${sid}`, session_id: sid, call_id: `call-${sid}`, caller_id_name: 'C', caller_id_number: '+1555', priority: 0 });

describe('queue registry: a bounded hand-over', () => {
  it('the broker refusing every event: drain gives up after QUEUE_DRAIN_MS; the next owner publishes the leftovers first, in order', async () => {
    const store = new TestStore();
    const clock = new ManualClock(T0);
    const leaseA = (await store.tryAcquireLease(SHARD, 'node-a', 600_000, T0))!;
    const fenceA: Fence = { shard: SHARD, epoch: leaseA.epoch, node: 'node-a' };
    let refused = 0;
    const a = node('node-a', store, clock, () => fenceA, async () => {
      refused++;
      throw new Error('broker refuses');
    });
    const start = { type: 'start' as const, input_id: 'start-1', account_id: ACCOUNT, queue_id: Q, settings: routingSettingsOf(DOC), members: [] };
    // the writes succeed (the replies come after them), the publishes never do
    const replies = [a.registry.dispatch(ACCOUNT, Q, start, fenceA), a.registry.dispatch(ACCOUNT, Q, join('s1'), fenceA), a.registry.dispatch(ACCOUNT, Q, join('s2'), fenceA)];
    await waitFor(() => refused > 0 && store.queues.tables.outbox.length > 0, 'the first publish refused');

    let drained: boolean | undefined;
    const draining = a.registry.drain(SHARD).then((r) => (drained = r));
    // retries go on (the relay's backoff), the drain waits… until its bound
    for (let ms = 0; ms < QUEUE_DRAIN_MS - 100; ms += 100) {
      clock.advance(100);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(drained, undefined, 'still waiting before the bound');
    clock.advance(200);
    await draining;
    assert.equal(drained, false, 'gave up: not everything was published');
    assert.ok(a.logger.entries.some((e) => e.level === 'warn' && /stay in the outbox/.test(e.msg ?? '')));
    // the lease book drops the shard: the relay stops retrying, the actors stop
    a.registry.drop(SHARD);
    clock.advance(10_000);
    await Promise.all(replies.map((p) => p.catch(() => undefined)));
    const refusedAtDrop = refused;
    clock.advance(10_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(refused, refusedAtDrop, 'no retry after the drop');
    const left = (await store.queues.listQueueOutbox(SHARD)).map((e) => `${e.event}:${e.seq}`);
    assert.ok(left.length >= 1, 'the unpublished events stay in the outbox');

    // the next owner: its leftovers first, in order, then its own
    await store.releaseLease(SHARD, 'node-a', leaseA.epoch);
    const leaseB = (await store.tryAcquireLease(SHARD, 'node-b', 600_000, clock.now()))!;
    const fenceB: Fence = { shard: SHARD, epoch: leaseB.epoch, node: 'node-b' };
    const published: string[] = [];
    const b = node('node-b', store, clock, () => fenceB, async (e) => void published.push(`${e.event}:${e.seq}`));
    await b.registry.take(SHARD, fenceB);
    await b.registry.dispatch(ACCOUNT, Q, join('s3'), fenceB);
    assert.equal(await b.registry.drain(SHARD), true, 'a broker that takes the events: drained in time');
    assert.deepEqual(published.slice(0, left.length), left, 'the leftovers first, in their order');
    const seqs = published.map((p) => Number(p.split(':')[1]));
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in seq order across the owners');
    assert.ok(published.some((p) => p.startsWith('join:')) && published.at(-1)!.startsWith('join:'), 'its own join after them');
    assert.deepEqual(await store.queues.listQueueOutbox(SHARD), [], 'all out, removed from the outbox');
  });
});
