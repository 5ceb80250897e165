/** Snapshot, then deltas, no duplicate, no gap, for one socket (src/live/snapshot-sync.ts). */
import assert from 'node:assert/strict';
import { NOT_LOGGED_IN_STATUS, type GetSnapshotReply, type QueueEvent, type QueueSessionView, type QueueStatus, type RecipientEvent, type SessionEvent } from '@qubicle/contracts';
import type { Principal } from '../../src/auth/principal.js';
import { EventRing } from '../../src/live/event-ring.js';
import { noLiveMetrics } from '../../src/live/metrics.js';
import { PreparedEvent, eventMessageJson, textFrame } from '../../src/live/prepared-event.js';
import type { SnapshotRead, SnapshotReader } from '../../src/live/snapshot-batcher.js';
import { SnapshotSync } from '../../src/live/snapshot-sync.js';
import { QueueSideEvent } from '../../src/live/queue-side-event.js';
import { createQueueSnapshotBatcher } from '../../src/live/queue-snapshot-batcher.js';
import type { QueueSnapshots } from '../../src/live/queue-snapshot-source.js';
import { Subscriptions } from '../../src/live/subscriptions.js';

const A = 'a'.repeat(32);
const R = 'b'.repeat(32);
const S = 'c'.repeat(32);
const principal: Principal = { accountId: A, accountName: 'acme', privLevel: 'admin', tokenId: 'j', expiresAt: Number.MAX_SAFE_INTEGER };
const status = { available: true, availability_state: 'Ready' } as RecipientEvent['status'];

function ev(seq: number, recipient = R): PreparedEvent {
  return new PreparedEvent({ event: 'ready', account_id: A, recipient_id: recipient, seq, timestamp: 1, node: 'n', status });
}

/** The JSON a prebuilt (unmasked, short) text frame carries. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function frameJson(frame: Buffer): { name: string; routing_key: string; data: { recipient_id?: string; seq?: number; resync?: boolean; resumed?: string[]; resynced?: string[]; [k: string]: any } } {
  const len = frame[1]!;
  const head = len === 126 ? 4 : len === 127 ? 10 : 2;
  return JSON.parse(frame.subarray(head).toString('utf8'));
}

interface World {
  sync: SnapshotSync;
  subs: Subscriptions;
  ring: EventRing;
  sent: ReturnType<typeof frameJson>[];
  /** extra ids of each worker read */
  reads: string[][];
  overflows: number;
}

function world(snapshot: GetSnapshotReply, opts: { maxPendingEvents?: number; bindings?: string[]; queues?: QueueSnapshots } = {}): World {
  const subs = new Subscriptions(10);
  subs.add(subs.plan(principal, { account_id: A, bindings: opts.bindings ?? ['qubicle.recipient.*'] }).fresh);
  const queues = opts.queues;
  const ring = new EventRing(10, 100);
  const w: World = { sync: undefined as unknown as SnapshotSync, subs, ring, sent: [], reads: [], overflows: 0 };
  const snapshots: SnapshotReader = {
    async read(accountId, extraIds = []): Promise<SnapshotRead> {
      w.reads.push([...extraIds]);
      return {
        accountId,
        ids: Object.keys(snapshot),
        read: snapshot,
        readAt: 5,
        entryFrame: (keys, rid, resync) =>
          textFrame(eventMessageJson(keys, 'snapshot', `qubicle.recipient.${accountId}.${rid}.snapshot`, JSON.stringify({ recipient_id: rid, seq: snapshot[rid]!.seq, resync }))),
      };
    },
  };
  w.sync = new SnapshotSync({
    ring,
    snapshots,
    queueSnapshots: queues ? createQueueSnapshotBatcher({ read: async () => queues }, () => 7, 0) : { read: () => Promise.reject(new Error('no queue binding here: nothing to read')) },
    metrics: noLiveMetrics,
    maxPendingEvents: opts.maxPendingEvents ?? 100,
    subscriptions: subs,
    closed: () => false,
    write: (frame) => w.sent.push(frameJson(frame)),
    overflowed: () => w.overflows++,
  });
  return w;
}

describe('live: snapshot-then-delta sync of one socket', () => {
  it('holds live events while the snapshot is read, then sends only what is newer than the snapshot', async () => {
    const w = world({ [R]: { seq: 2, status } });
    await w.sync.during(async () => {
      w.sync.offer(ev(2));
      w.sync.offer(ev(3));
      assert.deepEqual(w.sent, [], 'held while the snapshot is read');
      const round = await w.sync.read(A, w.subs.values(), {});
      w.sync.emit(round, w.subs.values(), 'subscribe', 'r1', false);
    });
    assert.deepEqual(
      w.sent.map((m) => [m.name, m.data.seq]),
      [
        ['snapshot', 2],
        ['snapshot_complete', undefined],
        ['ready', 3],
      ],
      'seq 2 came with the snapshot: not sent twice',
    );
    w.sync.offer(ev(3));
    w.sync.offer(ev(4));
    assert.deepEqual(w.sent.slice(3).map((m) => m.data.seq), [4], 'a duplicate live event is dropped');
  });

  it('a resume the ring can prove is replayed without asking the workers for that recipient', async () => {
    const w = world({});
    for (let seq = 100; seq <= 105; seq++) w.ring.add(ev(seq));
    await w.sync.during(async () => {
      const round = await w.sync.read(A, w.subs.values(), { [R]: 102 });
      w.sync.emit(round, w.subs.values(), 'resume', undefined, false);
    });
    assert.deepEqual(w.reads, [[]]);
    assert.deepEqual(
      w.sent.map((m) => [m.name, m.data.seq]),
      [
        ['ready', 103],
        ['ready', 104],
        ['ready', 105],
        ['snapshot_complete', undefined],
      ],
    );
    assert.deepEqual(w.sent[3]!.data.resumed, [R]);
  });

  it('a resume it cannot prove (a gap) is a fresh entry with resync: true; one who logged out gets a not-logged-in entry', async () => {
    const w = world({ [R]: { seq: 50, status } });
    await w.sync.during(async () => {
      const round = await w.sync.read(A, w.subs.values(), { [R]: 7, [S]: 3 });
      w.sync.emit(round, w.subs.values(), 'resume', undefined, false);
    });
    assert.deepEqual(w.reads, [[R, S]], 'the unproven recipients are read');
    const [entry, gone, done] = w.sent;
    assert.deepEqual([entry!.name, entry!.data.recipient_id, entry!.data.seq, entry!.data.resync], ['snapshot', R, 50, true]);
    assert.equal(gone!.name, 'snapshot');
    assert.equal(gone!.data.recipient_id, S);
    assert.deepEqual((gone!.data as { status?: unknown }).status, NOT_LOGGED_IN_STATUS);
    assert.deepEqual(done!.data.resynced, [R, S]);
  });

  it('too many events held during a snapshot: the socket is a slow consumer', async () => {
    const w = world({}, { maxPendingEvents: 2 });
    await w.sync.during(async () => {
      for (let seq = 1; seq <= 3; seq++) w.sync.offer(ev(seq));
      assert.equal(w.overflows, 1);
      w.sync.drop();
    });
    assert.deepEqual(w.sent, [], 'what was dropped is not sent');
  });

  it('nothing subscribed and no snapshot under way: events are not for this socket', () => {
    const w = world({});
    w.subs.remove(principal, undefined);
    w.sync.offer(ev(1));
    assert.deepEqual(w.sent, []);
  });

  describe('queues and sessions', () => {
    const Q = 'd'.repeat(32);
    const qstatus = { stats: { active_session_count: 1 } } as unknown as QueueStatus;
    const caller = (sid: string): QueueSessionView => ({ session_id: sid, call_id: `c-${sid}`, caller_id_name: 'C', caller_id_number: '1', priority: 0, state: 'waiting', position: 1, entered_at: '2026-12-03T10:00:00.000Z', wait: 1 });
    const qev = (seq: number, queue = Q) => new QueueSideEvent('queue', { event: 'join', account_id: A, queue_id: queue, seq, timestamp: 1, node: 'n', status: qstatus } as QueueEvent);
    const sev = (sid: string, event: 'create' | 'delete') =>
      new QueueSideEvent('session', { event, account_id: A, session_id: sid, call_id: `c-${sid}`, seq: event === 'create' ? 1 : 2, timestamp: 1, node: 'n', session_type: 'callflow', caller_id_name: 'C', caller_id_number: '1' } as SessionEvent);
    const queues = (seq: number, sessions: QueueSessionView[] = []): QueueSnapshots => ({ ids: [Q], queues: { [Q]: { status: qstatus, sessions, seq } } });

    it('a queue entry (status + callers at its seq), then only the held and live events after it', async () => {
      const w = world({}, { bindings: ['qubicle.queue.*'], queues: queues(5, [caller('s1')]) });
      await w.sync.during(async () => {
        w.sync.offer(qev(5));
        w.sync.offer(qev(6));
        const round = await w.sync.read(A, w.subs.values(), {}, {});
        w.sync.emit(round, w.subs.values(), 'subscribe', 'r1', false);
      });
      assert.deepEqual(w.reads, [], 'queue bindings only: no recipient read');
      assert.deepEqual(
        w.sent.map((m) => [m.name, m.data.seq]),
        [
          ['snapshot', 5],
          ['snapshot_complete', undefined],
          ['join', 6],
        ],
      );
      assert.equal(w.sent[0]!.routing_key, `qubicle.queue.${A}.${Q}.snapshot`);
      assert.deepEqual(w.sent[0]!.data['sessions'].map((x: QueueSessionView) => x.session_id), ['s1']);
      assert.equal(w.sent[1]!.data['queues'], 1);
      assert.equal(w.sent[1]!.data['sessions'], undefined, 'no session binding: no session count');
      w.sync.offer(qev(6));
      w.sync.offer(qev(7));
      assert.deepEqual(w.sent.slice(3).map((m) => m.data.seq), [7], 'a duplicate is dropped');
    });

    it('resume_queues: replayed when the ring proves it, else a fresh entry with resync: true', async () => {
      const other = 'e'.repeat(32);
      const w = world({}, { bindings: ['qubicle.queue.*'], queues: { ids: [Q, other], queues: { [Q]: { status: qstatus, sessions: [], seq: 12 }, [other]: { status: qstatus, sessions: [], seq: 40 } } } });
      for (let seq = 10; seq <= 12; seq++) w.ring.add(qev(seq));
      await w.sync.during(async () => {
        const round = await w.sync.read(A, w.subs.values(), {}, { [Q]: 10, [other]: 30 });
        w.sync.emit(round, w.subs.values(), 'resume', undefined, false);
      });
      assert.deepEqual(
        w.sent.map((m) => [m.name, m.data['queue_id'], m.data.seq, m.data.resync]),
        [
          ['snapshot', other, 40, true],
          ['join', Q, 11, undefined],
          ['join', Q, 12, undefined],
          ['snapshot_complete', undefined, undefined, undefined],
        ],
      );
      const done = w.sent[3]!.data;
      assert.deepEqual([done['queues'], done['queues_resumed'], done['queues_resynced']], [1, [Q], [other]]);
    });

    it('session bindings: one entry per caller in a queue; its create is not sent again, its delete is', async () => {
      const w = world({}, { bindings: ['qubicle.session.*'], queues: queues(5, [caller('s1'), caller('s2')]) });
      await w.sync.during(async () => {
        w.sync.offer(sev('s1', 'create'));
        w.sync.offer(sev('s3', 'create'));
        const round = await w.sync.read(A, w.subs.values(), {}, {});
        w.sync.emit(round, w.subs.values(), 'subscribe', undefined, false);
      });
      w.sync.offer(sev('s1', 'delete'));
      w.sync.offer(qev(6)); // not bound
      assert.deepEqual(
        w.sent.map((m) => [m.name, m.routing_key.split('.')[3]]),
        [
          ['snapshot', 's1'],
          ['snapshot', 's2'],
          ['snapshot_complete', 'snapshot_complete'],
          ['create', 's3'],
          ['delete', 's1'],
        ],
      );
      assert.equal(w.sent[0]!.data['queue_id'], Q);
      assert.equal(w.sent[2]!.data['sessions'], 2);
      assert.equal(w.sent[2]!.data['queues'], undefined);
    });

    it('a resync after a bus outage: queue entries flagged resync, and no recipient tombstone for a queue or session', async () => {
      const w = world({}, { bindings: ['qubicle.#', 'qubicle.queue.*', 'qubicle.session.*'], queues: queues(9, [caller('s1')]) });
      for (const reason of ['subscribe', 'reconnect'] as const) {
        await w.sync.during(async () => {
          const round = await w.sync.read(A, w.subs.values(), {}, {});
          w.sync.emit(round, w.subs.values(), reason, undefined, reason === 'reconnect');
        });
      }
      const second = w.sent.slice(w.sent.findIndex((m) => m.name === 'snapshot_complete') + 1);
      assert.deepEqual(
        second.map((m) => [m.name, m.routing_key.split('.')[1], m.data.resync]),
        [
          ['snapshot', 'queue', true],
          ['snapshot', 'session', undefined],
          ['snapshot_complete', 'recipient', undefined],
        ],
      );
    });
  });
});
