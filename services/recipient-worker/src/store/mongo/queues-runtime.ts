/**
 * The running queues and caller sessions in MongoDB (ports/queues-runtime.ts), as recipients.ts
 * keeps recipients: one `queue_runtime` document per queue holding its state, the shard, the epoch
 * it was written under and its unpublished events (`outbox`), written by ONE single-document update
 * (`$set` + `$push`) so the events are atomic with the state even without transactions; fencing as
 * fencing.ts (the lease checked in a transaction on a replica set, first on a standalone server; a
 * document with a newer epoch makes the upsert collide on _id → fenced). A deleted queue keeps its
 * document (`state: null`) until its last events are published. Caller sessions: one
 * `call_sessions` document per call, its session and its unpublished session events (`outbox`)
 * written by one single-document update under the session shard's fence, as the queues.
 * `QueueWrite.changes` is not used: the state is rewritten whole (O(callers) per write, where the
 * SQLite adapter writes only the changed rows; `$set`/`$unset` per caller would do it here).
 */
import type { ClientSession } from 'mongodb';
import type { QueueEvent, SessionEvent } from '@qubicle/contracts';
import type { QueueState } from '../../queue/machine/types.js';
import type { CallerSessionState } from '../../queue/session/types.js';
import { plainJson } from '../documents.js';
import { queueOutboxOrder, sessionOutboxOrder, type CallSessionWrite, type QueueOutboxKey, type QueueRuntimeStore, type QueueWrite, type SessionOutboxKey, type StoredQueue } from '../ports/queues-runtime.js';
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

  async loadCallSession(accountId: string, callId: string): Promise<CallerSessionState | null> {
    return this.db.run(async () => ((await this.db.callSessions.findOne({ _id: key(accountId, callId) }, { projection: { outbox: 0 } }))?.session as CallerSessionState | undefined) ?? null);
  }

  /** As a queue's upsert: a document written under a newer epoch makes it collide on _id → fenced. */
  async saveCallSession(write: CallSessionWrite, fence: Fence): Promise<void> {
    await this.db.run(async () => {
      const s = write.session;
      const update: Record<string, unknown> = { $set: { seq: s.seq, phase: s.phase, session: plainJson(s), shard: write.shard, epoch: fence.epoch } };
      if (write.events.length > 0) update['$push'] = { outbox: { $each: plainJson([...write.events]) } };
      await this.fenced(fence, (session) =>
        fencedWrite(fence, () =>
          this.db.callSessions.updateOne(
            { _id: key(s.account_id, s.call_id), $or: [{ epoch: { $lte: fence.epoch } }, { epoch: { $exists: false } }] } as never,
            update as never,
            session ? { upsert: true, session } : { upsert: true },
          ),
        ),
      );
    });
  }

  async listSessionOutbox(shard: number): Promise<SessionEvent[]> {
    return this.db.run(async () => {
      const rows = await this.db.callSessions.find({ shard, 'outbox.0': { $exists: true } }, { projection: { outbox: 1 } }).toArray();
      return rows.flatMap((r) => (r.outbox ?? []) as SessionEvent[]).sort(sessionOutboxOrder);
    });
  }

  async deleteSessionOutbox(published: readonly SessionOutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    await this.db.run(async () => {
      const last = new Map<string, SessionOutboxKey>();
      for (const p of published) {
        const k = key(p.account_id, p.session_id);
        if ((last.get(k)?.seq ?? -1) < p.seq) last.set(k, p);
      }
      for (const p of last.values()) {
        await this.db.callSessions.updateMany({ 'outbox.session_id': p.session_id } as never, { $pull: { outbox: { account_id: p.account_id, session_id: p.session_id, seq: { $lte: p.seq } } } } as never);
      }
    });
  }
}
