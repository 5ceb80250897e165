/** The running queues and caller sessions in SQLite (ports/queues-runtime.ts); fencing as sqlite/fencing.ts (same IMMEDIATE transaction). */
import type { QueueEvent, SessionEvent } from '@qubicle/contracts';
import type { CallerSessionState } from '../../queue/session/types.js';
import { newerEpochError } from '../fencing.js';
import { queueOutboxOrder, sessionOutboxOrder, type CallSessionWrite, type QueueOutboxKey, type QueueRuntimeStore, type QueueWrite, type SessionOutboxKey, type StoredQueue } from '../ports/queues-runtime.js';
import type { Fence } from '../records.js';
import type { SqliteConnection } from './connection.js';
import { checkFence } from './fencing.js';

interface QueueRow {
  state: string;
  shard: number;
  epoch: number;
}
const toStored = (r: QueueRow): StoredQueue => ({ state: JSON.parse(r.state), shard: r.shard, epoch: r.epoch });

export class SqliteQueueRuntimeStore implements QueueRuntimeStore {
  constructor(private readonly db: SqliteConnection) {}

  async loadQueue(accountId: string, queueId: string): Promise<StoredQueue | null> {
    return this.db.run(() => {
      const r = this.db.stmt('SELECT state, shard, epoch FROM queue_runtime WHERE account_id = ? AND queue_id = ?').get(accountId, queueId) as QueueRow | undefined;
      return r ? toStored(r) : null;
    });
  }

  async listQueuesByShard(shard: number): Promise<StoredQueue[]> {
    return this.db.run(() => (this.db.stmt('SELECT state, shard, epoch FROM queue_runtime WHERE shard = ? ORDER BY account_id, queue_id').all(shard) as QueueRow[]).map(toStored));
  }

  async saveQueue(write: QueueWrite, fence: Fence): Promise<void> {
    await this.db.run(() =>
      this.db.immediate(() => {
        checkFence(this.db, fence);
        const { account_id, queue_id } = write.state;
        const row = this.db.stmt('SELECT epoch FROM queue_runtime WHERE account_id = ? AND queue_id = ?').get(account_id, queue_id) as { epoch: number } | undefined;
        if (row && row.epoch > fence.epoch) throw newerEpochError(fence);
        this.db
          .stmt('INSERT INTO queue_runtime (account_id, queue_id, shard, epoch, state) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, queue_id) DO UPDATE SET shard = excluded.shard, epoch = excluded.epoch, state = excluded.state')
          .run(account_id, queue_id, write.shard, fence.epoch, JSON.stringify(write.state));
        this.record(write.shard, write.events);
      }),
    );
  }

  async deleteQueue(accountId: string, queueId: string, shard: number, events: QueueEvent[], fence: Fence): Promise<void> {
    await this.db.run(() =>
      this.db.immediate(() => {
        checkFence(this.db, fence);
        this.db.stmt('DELETE FROM queue_runtime WHERE account_id = ? AND queue_id = ?').run(accountId, queueId);
        this.record(shard, events);
      }),
    );
  }

  async listQueueOutbox(shard: number): Promise<QueueEvent[]> {
    return this.db.run(() => (this.db.stmt('SELECT event FROM queue_outbox WHERE shard = ?').all(shard) as Array<{ event: string }>).map((r) => JSON.parse(r.event) as QueueEvent).sort(queueOutboxOrder));
  }

  async deleteQueueOutbox(published: readonly QueueOutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    await this.db.run(() =>
      this.db.immediate(() => {
        const del = this.db.stmt('DELETE FROM queue_outbox WHERE account_id = ? AND queue_id = ? AND seq <= ?');
        for (const p of published) del.run(p.account_id, p.queue_id, p.seq);
      }),
    );
  }

  async loadCallSession(accountId: string, callId: string): Promise<CallerSessionState | null> {
    return this.db.run(() => {
      const r = this.db.stmt('SELECT session FROM call_sessions WHERE account_id = ? AND call_id = ?').get(accountId, callId) as { session: string } | undefined;
      return r ? (JSON.parse(r.session) as CallerSessionState) : null;
    });
  }

  /** The lease is checked in the same IMMEDIATE transaction as the session and its events are written. */
  async saveCallSession(write: CallSessionWrite, fence: Fence): Promise<void> {
    await this.db.run(() =>
      this.db.immediate(() => {
        checkFence(this.db, fence);
        const s = write.session;
        this.db
          .stmt('INSERT INTO call_sessions (account_id, call_id, session) VALUES (?, ?, ?) ON CONFLICT (account_id, call_id) DO UPDATE SET session = excluded.session')
          .run(s.account_id, s.call_id, JSON.stringify(s));
        const ins = this.db.stmt(
          'INSERT INTO session_outbox (account_id, session_id, seq, shard, event) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, session_id, seq) DO UPDATE SET event = excluded.event, shard = excluded.shard',
        );
        for (const e of write.events) ins.run(e.account_id, e.session_id, e.seq, write.shard, JSON.stringify(e));
      }),
    );
  }

  async listSessionOutbox(shard: number): Promise<SessionEvent[]> {
    return this.db.run(() => (this.db.stmt('SELECT event FROM session_outbox WHERE shard = ?').all(shard) as Array<{ event: string }>).map((r) => JSON.parse(r.event) as SessionEvent).sort(sessionOutboxOrder));
  }

  async deleteSessionOutbox(published: readonly SessionOutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    await this.db.run(() =>
      this.db.immediate(() => {
        const del = this.db.stmt('DELETE FROM session_outbox WHERE account_id = ? AND session_id = ? AND seq <= ?');
        for (const p of published) del.run(p.account_id, p.session_id, p.seq);
      }),
    );
  }

  private record(shard: number, events: readonly QueueEvent[]): void {
    const ins = this.db.stmt('INSERT INTO queue_outbox (account_id, queue_id, seq, shard, event) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, queue_id, seq) DO UPDATE SET event = excluded.event, shard = excluded.shard');
    for (const e of events) ins.run(e.account_id, e.queue_id, e.seq, shard, JSON.stringify(e));
  }
}
