/**
 * The running queues and caller sessions in SQLite (ports/queues-runtime.ts); fencing as
 * sqlite/fencing.ts (same IMMEDIATE transaction). A queue is a header row (queue_runtime) and one
 * row per member and per caller (store/queue-rows.ts): a write with `changes` relative to the
 * stored seq writes the header and those rows only.
 */
import type { QueueEvent, SessionEvent } from '@qubicle/contracts';
import type { MemberView, QueuedSession } from '../../queue/machine/types.js';
import type { CallerSessionState } from '../../queue/session/types.js';
import { newerEpochError } from '../fencing.js';
import { queueOutboxOrder, sessionOutboxOrder, type CallSessionWrite, type QueueOutboxKey, type QueueRuntimeStore, type QueueWrite, type SessionOutboxKey, type StoredQueue } from '../ports/queues-runtime.js';
import { isWholeState, queueHeaderJson, queueStateOf, type QueueHeader } from '../queue-rows.js';
import type { Fence } from '../records.js';
import type { SqliteConnection } from './connection.js';
import { checkFence } from './fencing.js';

interface QueueRow {
  account_id: string;
  queue_id: string;
  state: string;
  shard: number;
  epoch: number;
}

export class SqliteQueueRuntimeStore implements QueueRuntimeStore {
  constructor(private readonly db: SqliteConnection) {}

  async loadQueue(accountId: string, queueId: string): Promise<StoredQueue | null> {
    return this.db.run(() => {
      const r = this.db.stmt('SELECT account_id, queue_id, state, shard, epoch FROM queue_runtime WHERE account_id = ? AND queue_id = ?').get(accountId, queueId) as QueueRow | undefined;
      return r ? this.toStored(r) : null;
    });
  }

  async listQueuesByShard(shard: number): Promise<StoredQueue[]> {
    return this.db.run(() => (this.db.stmt('SELECT account_id, queue_id, state, shard, epoch FROM queue_runtime WHERE shard = ? ORDER BY account_id, queue_id').all(shard) as QueueRow[]).map((r) => this.toStored(r)));
  }

  async saveQueue(write: QueueWrite, fence: Fence): Promise<void> {
    await this.db.run(() =>
      this.db.immediate(() => {
        checkFence(this.db, fence);
        const { account_id, queue_id } = write.state;
        const row = this.db
          .stmt("SELECT epoch, json_extract(state, '$.seq') AS seq, json_type(state, '$.sessions') IS NOT NULL AS whole FROM queue_runtime WHERE account_id = ? AND queue_id = ?")
          .get(account_id, queue_id) as { epoch: number; seq: number; whole: number } | undefined;
        if (row && row.epoch > fence.epoch) throw newerEpochError(fence);
        this.db
          .stmt('INSERT INTO queue_runtime (account_id, queue_id, shard, epoch, state) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, queue_id) DO UPDATE SET shard = excluded.shard, epoch = excluded.epoch, state = excluded.state')
          .run(account_id, queue_id, write.shard, fence.epoch, queueHeaderJson(write.state));
        const changes = write.changes;
        if (changes && row && !row.whole && row.seq === changes.base_seq) {
          this.writeRows(account_id, queue_id, changes.members.removed, changes.members.put, changes.sessions.removed, changes.sessions.put);
        } else {
          this.deleteRows(account_id, queue_id);
          this.writeRows(account_id, queue_id, [], write.state.members, [], write.state.sessions);
        }
        this.record(write.shard, write.events);
      }),
    );
  }

  async deleteQueue(accountId: string, queueId: string, shard: number, events: QueueEvent[], fence: Fence): Promise<void> {
    await this.db.run(() =>
      this.db.immediate(() => {
        checkFence(this.db, fence);
        this.db.stmt('DELETE FROM queue_runtime WHERE account_id = ? AND queue_id = ?').run(accountId, queueId);
        this.deleteRows(accountId, queueId);
        this.record(shard, events);
      }),
    );
  }

  private toStored(r: QueueRow): StoredQueue {
    const header = JSON.parse(r.state) as QueueHeader;
    if (isWholeState(header)) return { state: header, shard: r.shard, epoch: r.epoch };
    const members = (this.db.stmt('SELECT member FROM queue_runtime_members WHERE account_id = ? AND queue_id = ?').all(r.account_id, r.queue_id) as Array<{ member: string }>).map((m) => JSON.parse(m.member) as MemberView);
    const sessions = (this.db.stmt('SELECT session FROM queue_runtime_sessions WHERE account_id = ? AND queue_id = ?').all(r.account_id, r.queue_id) as Array<{ session: string }>).map((x) => JSON.parse(x.session) as QueuedSession);
    return { state: queueStateOf(header, members, sessions), shard: r.shard, epoch: r.epoch };
  }

  private deleteRows(accountId: string, queueId: string): void {
    this.db.stmt('DELETE FROM queue_runtime_members WHERE account_id = ? AND queue_id = ?').run(accountId, queueId);
    this.db.stmt('DELETE FROM queue_runtime_sessions WHERE account_id = ? AND queue_id = ?').run(accountId, queueId);
  }

  /** Removals first: a row removed and put again in one change (moved) ends up put. */
  private writeRows(accountId: string, queueId: string, membersGone: readonly string[], members: readonly MemberView[], sessionsGone: readonly string[], sessions: readonly QueuedSession[]): void {
    const delMember = this.db.stmt('DELETE FROM queue_runtime_members WHERE account_id = ? AND queue_id = ? AND recipient_id = ?');
    for (const id of membersGone) delMember.run(accountId, queueId, id);
    const delSession = this.db.stmt('DELETE FROM queue_runtime_sessions WHERE account_id = ? AND queue_id = ? AND session_id = ?');
    for (const id of sessionsGone) delSession.run(accountId, queueId, id);
    const putMember = this.db.stmt('INSERT INTO queue_runtime_members (account_id, queue_id, recipient_id, member) VALUES (?, ?, ?, ?) ON CONFLICT (account_id, queue_id, recipient_id) DO UPDATE SET member = excluded.member');
    for (const m of members) putMember.run(accountId, queueId, m.recipient_id, JSON.stringify(m));
    const putSession = this.db.stmt('INSERT INTO queue_runtime_sessions (account_id, queue_id, session_id, session) VALUES (?, ?, ?, ?) ON CONFLICT (account_id, queue_id, session_id) DO UPDATE SET session = excluded.session');
    for (const x of sessions) putSession.run(accountId, queueId, x.session_id, JSON.stringify(x));
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
