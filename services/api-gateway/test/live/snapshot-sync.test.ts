/** Snapshot, then deltas, no duplicate, no gap, for one socket (src/live/snapshot-sync.ts). */
import assert from 'node:assert/strict';
import { NOT_LOGGED_IN_STATUS, type GetSnapshotReply, type RecipientEvent } from '@qubicle/contracts';
import type { Principal } from '../../src/auth/principal.js';
import { EventRing } from '../../src/live/event-ring.js';
import { noLiveMetrics } from '../../src/live/metrics.js';
import { PreparedEvent, eventMessageJson, textFrame } from '../../src/live/prepared-event.js';
import type { SnapshotRead, SnapshotReader } from '../../src/live/snapshot-batcher.js';
import { SnapshotSync } from '../../src/live/snapshot-sync.js';
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
function frameJson(frame: Buffer): { name: string; data: { recipient_id?: string; seq?: number; resync?: boolean; resumed?: string[]; resynced?: string[] } } {
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

function world(snapshot: GetSnapshotReply, opts: { maxPendingEvents?: number } = {}): World {
  const subs = new Subscriptions(10);
  subs.add(subs.plan(principal, { account_id: A, binding: 'qubicle.recipient.*' }).fresh);
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
});
