/**
 * The running queues and caller sessions in MongoDB (ports/queues-runtime.ts), as recipients.ts
 * keeps recipients: one `queue_runtime` document per queue holding its state, the shard, the epoch
 * it was written under and its unpublished events (`outbox`), written by ONE single-document update
 * (`$set` + `$push`) so the events are atomic with the state even without transactions; fencing as
 * fencing.ts (the lease checked in a transaction on a replica set, first on a standalone server; a
 * document with a newer epoch makes the upsert collide on _id → fenced). A deleted queue keeps its
 * document (`state: null`) until its last events are published. Caller sessions: `call_sessions`,
 * created with `$setOnInsert` (one per call) and replaced only forward (seq, never out of ended).
 * `QueueWrite.changes` is not used: the state is rewritten whole (O(callers) per write, where the
 * SQLite adapter writes only the changed rows; `$set`/`$unset` per caller would do it here).
 */
import type { ClientSession } from 'mongodb';
import type { QueueEvent } from '@qubicle/contracts';
import type { QueueState } from '../../queue/machine/types.js';
import type { CallerSessionState } from '../../queue/session/types.js';
import { plainJson } from '../documents.js';
import { queueOutboxOrder, sessionMayReplace, type QueueOutboxKey, type QueueRuntimeStore, type QueueWrite, type StoredQueue } from '../ports/queues-runtime.js';
import type { Fence } from '../records.js';
import type { MongoConnection, QueueRuntimeRow } from './connection.js';
import { checkFence, fenceInTransaction, fencedWrite } from './fencing.js';

const key = (a: string, b: string) => `${a}/${b}`;
const LIVE = { state: { $type: 'object' } } as const;

export class MongoQueueRuntimeStore implements QueueRuntimeStore {
  constructor(private readonly db: MongoConnection) {}

  private async fenced(fence: Fence, write: (session: ClientSession | undefined) => Promise<void>): Promise<void> {
    if (this.db.fencing === 'transactions') {
      await this.db.transaction(async (session) => {
        await fenceInTransaction(this.db, fence, this.db.clock.now(), session);
        await write(session);
      });
      return;
    }
    await checkFence(this.db, fence);
    await write(undefined);
  }

  async loadQueue(accountId: string, queueId: string): Promise<StoredQueue | null> {
    return this.db.run(async () => {
      const row = await this.db.queueRuntime.findOne({ _id: key(accountId, queueId), ...LIVE }, { projection: { outbox: 0 } });
      return row ? { state: row.state as QueueState, shard: row.shard, epoch: row.epoch } : null;
    });
  }

  async listQueuesByShard(shard: number): Promise<StoredQueue[]> {
    return this.db.run(async () =>
      (await this.db.queueRuntime.find({ shard, ...LIVE }, { projection: { outbox: 0 } }).sort({ account_id: 1, queue_id: 1 }).toArray()).map((row) => ({
        state: row.state as QueueState,
        shard: row.shard,
        epoch: row.epoch,
      })),
    );
  }

  async saveQueue(write: QueueWrite, fence: Fence): Promise<void> {
    await this.upsert(write.state.account_id, write.state.queue_id, write.shard, plainJson(write.state), write.events, fence);
  }

  async deleteQueue(accountId: string, queueId: string, shard: number, events: QueueEvent[], fence: Fence): Promise<void> {
    await this.upsert(accountId, queueId, shard, null, events, fence);
  }

  private async upsert(accountId: string, queueId: string, shard: number, state: QueueState | null, events: readonly QueueEvent[], fence: Fence): Promise<void> {
    await this.db.run(async () => {
      const update: Record<string, unknown> = { $set: { account_id: accountId, queue_id: queueId, shard, epoch: fence.epoch, state } };
      if (events.length > 0) update['$push'] = { outbox: { $each: plainJson([...events]) } };
      await this.fenced(fence, (session) =>
        fencedWrite(fence, () =>
          this.db.queueRuntime.updateOne({ _id: key(accountId, queueId), epoch: { $lte: fence.epoch } }, update as never, session ? { upsert: true, session } : { upsert: true }),
        ),
      );
    });
  }

  async listQueueOutbox(shard: number): Promise<QueueEvent[]> {
    return this.db.run(async () => {
      const rows = await this.db.queueRuntime.find({ shard, 'outbox.0': { $exists: true } }, { projection: { outbox: 1 } }).toArray();
      return rows.flatMap((r) => (r.outbox ?? []) as unknown as QueueEvent[]).sort(queueOutboxOrder);
    });
  }

  async deleteQueueOutbox(published: readonly QueueOutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    await this.db.run(async () => {
      const last = new Map<string, number>();
      for (const p of published) last.set(key(p.account_id, p.queue_id), Math.max(p.seq, last.get(key(p.account_id, p.queue_id)) ?? 0));
      for (const [id, seq] of last) {
        await this.db.queueRuntime.updateOne({ _id: id }, { $pull: { outbox: { seq: { $lte: seq } } } } as never);
        // a deleted queue's document goes once its last events are out
        await this.db.queueRuntime.deleteOne({ _id: id, state: null, $or: [{ outbox: { $size: 0 } }, { outbox: { $exists: false } }] } as never);
      }
    });
  }

  async createCallSession(session: CallerSessionState): Promise<CallerSessionState> {
    return this.db.run(async () => {
      const id = key(session.account_id, session.call_id);
      await this.db.callSessions.updateOne({ _id: id }, { $setOnInsert: { seq: session.seq, phase: session.phase, session: plainJson(session) } }, { upsert: true });
      const row = await this.db.callSessions.findOne({ _id: id });
      return row!.session as CallerSessionState;
    });
  }

  async loadCallSession(accountId: string, callId: string): Promise<CallerSessionState | null> {
    return this.db.run(async () => ((await this.db.callSessions.findOne({ _id: key(accountId, callId) }))?.session as CallerSessionState | undefined) ?? null);
  }

  /** Compare-and-swap on the seq and phase read: a lost race is read again and decided again. */
  async saveCallSession(session: CallerSessionState): Promise<boolean> {
    return this.db.run(async () => {
      const id = key(session.account_id, session.call_id);
      for (let attempt = 0; attempt < 5; attempt++) {
        const row = await this.db.callSessions.findOne({ _id: id });
        const stored = (row?.session as CallerSessionState | undefined) ?? null;
        if (!sessionMayReplace(stored, session)) return false;
        const doc = { seq: session.seq, phase: session.phase, session: plainJson(session) };
        if (!row) {
          const r = await this.db.callSessions.updateOne({ _id: id }, { $setOnInsert: doc }, { upsert: true });
          if (r.upsertedCount === 1) return true;
          continue;
        }
        const r = await this.db.callSessions.updateOne({ _id: id, seq: row.seq, phase: row.phase }, { $set: doc });
        if (r.matchedCount === 1) return true;
      }
      return false;
    });
  }
}
