/**
 * The contract of the running queues' store (src/store/ports/queues-runtime.ts), run against each
 * adapter that has it (memory, SQLite): fenced queue state with its outbox in one write, per-queue
 * outbox order, and caller sessions: fenced by their shard's lease with their events in the same
 * write (the session outbox), one current session per call.
 */
import assert from 'node:assert/strict';
import type { QueueEvent, SessionEvent } from '@qubicle/contracts';
import type { Store } from '../../src/store/port.js';
import type { QueueRuntimeStore } from '../../src/store/ports/queues-runtime.js';
import type { QueueState } from '../../src/queue/machine/types.js';
import type { CallerSessionState } from '../../src/queue/session/types.js';
import { freshMemberView, freshQueueState } from '../../src/queue/machine/index.js';
import type { QueuedSession } from '../../src/queue/machine/types.js';
import { queueChangesOf } from '../../src/queue/runtime/state-changes.js';
import { ACCOUNT, QUEUE, settings } from '../queue/support/queue-fixtures.js';
import { TTL, own, rejectsWith } from './store-contract.js';

export interface QueueStoreHandle {
  store: Store;
  queues: QueueRuntimeStore;
  cleanup(): Promise<void>;
}

function stateOf(queueId = QUEUE, seq = 0): QueueState {
  return { ...freshQueueState({ account_id: ACCOUNT, queue_id: queueId, settings: settings(), members: [], day_start: 0 }), seq };
}

function eventOf(queueId: string, seq: number): QueueEvent {
  return { event: 'join', account_id: ACCOUNT, queue_id: queueId, seq, timestamp: seq, node: 'n' } as unknown as QueueEvent;
}

export function caller(id: string, order: number, priority = 0): QueuedSession {
  return { session_id: id, call_id: `call-${id}`, caller_id_name: id, caller_id_number: '1', priority, order, entered_at: order, deadline: 1e12, visited: [], offer: null };
}

/** A queue with members m1..m3 and callers in routing order (priority first, then order). */
export function busyState(seq: number, callers: QueuedSession[]): QueueState {
  const base = stateOf(QUEUE, seq);
  return { ...base, members: ['m1', 'm2', 'm3'].map((id) => freshMemberView(id)), sessions: [...callers].sort((a, b) => b.priority - a.priority || a.order - b.order), next_order: 100 };
}

function session(over: Partial<CallerSessionState> = {}): CallerSessionState {
  return {
    account_id: ACCOUNT,
    call_id: 'call-1',
    session_id: 's-1',
    session_type: 'callflow',
    caller_id_name: 'C',
    caller_id_number: '1',
    phase: 'created',
    queue_id: null,
    recipient_id: null,
    end_reason: null,
    created_at: 1,
    ended_at: null,
    seq: 1,
    recent_inputs: [],
    ...over,
  };
}

function sessionEventOf(s: CallerSessionState, event: 'create' | 'delete', seq: number): SessionEvent {
  return { event, account_id: s.account_id, session_id: s.session_id, call_id: s.call_id, seq, timestamp: seq, node: 'n', session_type: 'callflow', caller_id_name: 'C', caller_id_number: '1', ...(event === 'delete' ? { reason: 'abandoned' } : {}) };
}

export function runQueueRuntimeContract(name: string, make: () => Promise<QueueStoreHandle>): void {
  describe(name, function () {
    let h: QueueStoreHandle;
    beforeEach(async () => {
      h = await make();
      await h.store.init();
    });
    afterEach(async () => h?.cleanup());

    it('saves a queue with its events under its fence, lists by shard, outbox in seq order', async () => {
      const fence = await own(h.store, 3, 'node-a', 1_000);
      await h.queues.saveQueue({ state: stateOf(QUEUE, 2), shard: 3, events: [eventOf(QUEUE, 2), eventOf(QUEUE, 1)] }, fence);
      const stored = await h.queues.loadQueue(ACCOUNT, QUEUE);
      assert.equal(stored?.state.seq, 2);
      assert.deepEqual([stored?.shard, stored?.epoch], [3, fence.epoch]);
      assert.deepEqual((await h.queues.listQueuesByShard(3)).map((q) => q.state.queue_id), [QUEUE]);
      assert.deepEqual(await h.queues.listQueuesByShard(4), []);
      assert.deepEqual((await h.queues.listQueueOutbox(3)).map((e) => e.seq), [1, 2]);
      await h.queues.deleteQueueOutbox([{ account_id: ACCOUNT, queue_id: QUEUE, seq: 1 }]);
      assert.deepEqual((await h.queues.listQueueOutbox(3)).map((e) => e.seq), [2], 'published ones (and earlier) go');
      await h.queues.deleteQueueOutbox([{ account_id: ACCOUNT, queue_id: QUEUE, seq: 2 }]);
      assert.deepEqual(await h.queues.listQueueOutbox(3), []);
    });

    it('an outbox entry is kept as written, its session report rider included (queue/runtime/queue-outbox.ts)', async () => {
      const fence = await own(h.store, 3, 'node-a', 1_000);
      const report = { type: 'end_session', session_id: 's-1', call_id: 'call-1', reason: 'abandoned' };
      const entry = { ...eventOf(QUEUE, 1), event: 'leave', session_report: report } as unknown as QueueEvent;
      await h.queues.saveQueue({ state: stateOf(QUEUE, 1), shard: 3, events: [entry] }, fence);
      assert.deepEqual(((await h.queues.listQueueOutbox(3))[0] as unknown as { session_report?: unknown }).session_report, report);
    });

    it('a writer whose lease was taken over is fenced: nothing written, the new owner writes', async () => {
      const old = await own(h.store, 5, 'node-a', 1_000);
      await h.queues.saveQueue({ state: stateOf(QUEUE, 1), shard: 5, events: [] }, old);
      const fresh = await own(h.store, 5, 'node-b', 1_000 + TTL + 1);
      await rejectsWith('fenced', h.queues.saveQueue({ state: stateOf(QUEUE, 9), shard: 5, events: [eventOf(QUEUE, 9)] }, old));
      await rejectsWith('fenced', h.queues.deleteQueue(ACCOUNT, QUEUE, 5, [], old));
      assert.equal((await h.queues.loadQueue(ACCOUNT, QUEUE))?.state.seq, 1);
      assert.deepEqual(await h.queues.listQueueOutbox(5), [], 'no event of the fenced write');
      await h.queues.saveQueue({ state: stateOf(QUEUE, 2), shard: 5, events: [] }, fresh);
      assert.equal((await h.queues.loadQueue(ACCOUNT, QUEUE))?.epoch, fresh.epoch);
      await h.queues.deleteQueue(ACCOUNT, QUEUE, 5, [eventOf(QUEUE, 3)], fresh);
      assert.equal(await h.queues.loadQueue(ACCOUNT, QUEUE), null);
      assert.deepEqual((await h.queues.listQueueOutbox(5)).map((e) => e.seq), [3]);
    });

    it('a write with its changes (rows put and removed) loads back as the whole new state, callers in routing order', async () => {
      const fence = await own(h.store, 2, 'node-a', 1_000);
      const s1 = busyState(1, [caller('a', 1), caller('b', 2), caller('c', 3, 5)]);
      await h.queues.saveQueue({ state: s1, shard: 2, events: [] }, fence);
      assert.deepEqual((await h.queues.loadQueue(ACCOUNT, QUEUE))?.state, s1);
      // b leaves, a is offered (a new object), d joins at priority 9, m2 changes; c and the rest untouched
      const a2 = { ...s1.sessions.find((x) => x.session_id === 'a')!, offer: { recipient_id: 'm2', offer_id: 'o1', deadline: 5, checks: 0 } };
      const s2: QueueState = {
        ...s1,
        seq: 2,
        members: s1.members.map((m) => (m.recipient_id === 'm2' ? { ...m, offered_session: 'a', offers: 1 } : m)),
        sessions: [caller('d', 4, 9), s1.sessions.find((x) => x.session_id === 'c')!, a2],
      };
      const changes = queueChangesOf(s1, s2)!;
      assert.deepEqual([changes.sessions.put.map((x) => x.session_id).sort(), changes.sessions.removed, changes.members.put.map((m) => m.recipient_id)], [['a', 'd'], ['b'], ['m2']]);
      await h.queues.saveQueue({ state: s2, shard: 2, events: [eventOf(QUEUE, 2)] }, fence);
      const loaded = (await h.queues.loadQueue(ACCOUNT, QUEUE))!.state;
      assert.deepEqual(loaded, s2);
      assert.deepEqual(loaded.sessions.map((x) => x.session_id), ['d', 'c', 'a']);
      assert.deepEqual((await h.queues.listQueuesByShard(2)).map((q) => q.state), [s2]);
    });

    it('changes not relative to the stored seq are not trusted: the whole state is written', async () => {
      const fence = await own(h.store, 2, 'node-a', 1_000);
      await h.queues.saveQueue({ state: busyState(3, [caller('a', 1), caller('b', 2)]), shard: 2, events: [] }, fence);
      const next = busyState(4, [caller('x', 7)]);
      const none = { put: [], removed: [] };
      await h.queues.saveQueue({ state: next, shard: 2, events: [], changes: { base_seq: 1, members: none, sessions: none } }, fence);
      assert.deepEqual((await h.queues.loadQueue(ACCOUNT, QUEUE))?.state, next);
      // a fenced write with changes writes no row either
      const fresh = await own(h.store, 2, 'node-b', 1_000 + TTL + 1);
      const stale = busyState(5, [caller('x', 7), caller('y', 8)]);
      await rejectsWith('fenced', h.queues.saveQueue({ state: stale, shard: 2, events: [], changes: queueChangesOf(next, stale)! }, fence));
      assert.deepEqual((await h.queues.loadQueue(ACCOUNT, QUEUE))?.state, next);
      await h.queues.deleteQueue(ACCOUNT, QUEUE, 2, [], fresh);
      assert.equal(await h.queues.loadQueue(ACCOUNT, QUEUE), null);
      await h.queues.saveQueue({ state: busyState(1, [caller('z', 1)]), shard: 2, events: [] }, fresh);
      assert.deepEqual((await h.queues.loadQueue(ACCOUNT, QUEUE))?.state.sessions.map((x) => x.session_id), ['z'], 'a deleted queue leaves no rows behind');
    });

    it('saves a call session with its events under its shard’s fence; the session outbox lists by shard, in seq order', async () => {
      const fence = await own(h.store, 2, 'node-a', 1_000);
      const created = session();
      await h.queues.saveCallSession({ session: created, shard: 2, events: [sessionEventOf(created, 'create', 1)] }, fence);
      const ended = session({ phase: 'ended', end_reason: 'abandoned', seq: 2 });
      await h.queues.saveCallSession({ session: ended, shard: 2, events: [sessionEventOf(ended, 'delete', 2)] }, fence);
      assert.deepEqual(await h.queues.loadCallSession(ACCOUNT, 'call-1'), ended);
      assert.equal(await h.queues.loadCallSession(ACCOUNT, 'call-2'), null);
      assert.deepEqual((await h.queues.listSessionOutbox(2)).map((e) => [e.session_id, e.event, e.seq]), [['s-1', 'create', 1], ['s-1', 'delete', 2]]);
      assert.deepEqual(await h.queues.listSessionOutbox(3), []);
      await h.queues.deleteSessionOutbox([{ account_id: ACCOUNT, session_id: 's-1', seq: 1 }]);
      assert.deepEqual((await h.queues.listSessionOutbox(2)).map((e) => e.seq), [2], 'published ones (and earlier) go');
      await h.queues.deleteSessionOutbox([{ account_id: ACCOUNT, session_id: 's-1', seq: 2 }]);
      assert.deepEqual(await h.queues.listSessionOutbox(2), []);
    });

    it('a session writer whose lease was taken over is fenced: neither the session nor its events are written', async () => {
      const old = await own(h.store, 6, 'node-a', 1_000);
      const first = session();
      await h.queues.saveCallSession({ session: first, shard: 6, events: [] }, old);
      const fresh = await own(h.store, 6, 'node-b', 1_000 + TTL + 1);
      const zombie = session({ phase: 'ended', end_reason: 'abandoned', seq: 2 });
      await rejectsWith('fenced', h.queues.saveCallSession({ session: zombie, shard: 6, events: [sessionEventOf(zombie, 'delete', 2)] }, old));
      assert.deepEqual(await h.queues.loadCallSession(ACCOUNT, 'call-1'), first);
      assert.deepEqual(await h.queues.listSessionOutbox(6), [], 'no event of the fenced write');
      const queued = session({ phase: 'queued', queue_id: QUEUE });
      await h.queues.saveCallSession({ session: queued, shard: 6, events: [] }, fresh);
      assert.equal((await h.queues.loadCallSession(ACCOUNT, 'call-1'))?.phase, 'queued');
    });

    it('a new session of the call replaces the ended one; the ended one’s unpublished events stay', async () => {
      const fence = await own(h.store, 1, 'node-a', 1_000);
      const ended = session({ phase: 'ended', end_reason: 'handled', seq: 2 });
      await h.queues.saveCallSession({ session: ended, shard: 1, events: [sessionEventOf(ended, 'delete', 2)] }, fence);
      const next = session({ session_id: 's-2', seq: 1 });
      await h.queues.saveCallSession({ session: next, shard: 1, events: [sessionEventOf(next, 'create', 1)] }, fence);
      assert.equal((await h.queues.loadCallSession(ACCOUNT, 'call-1'))?.session_id, 's-2');
      assert.deepEqual((await h.queues.listSessionOutbox(1)).map((e) => [e.session_id, e.seq]), [['s-1', 2], ['s-2', 1]]);
      await h.queues.deleteSessionOutbox([{ account_id: ACCOUNT, session_id: 's-2', seq: 1 }]);
      assert.deepEqual((await h.queues.listSessionOutbox(1)).map((e) => [e.session_id, e.seq]), [['s-1', 2]], 'only that session’s events go');
    });
  });
}
