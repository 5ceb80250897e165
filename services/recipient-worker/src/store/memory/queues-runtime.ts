/** The running queues and caller sessions in memory (ports/queues-runtime.ts); fencing as memory/fencing.ts. `QueueWrite.changes` is not used: a copy of the whole state is kept. */
import type { QueueEvent, SessionEvent } from '@qubicle/contracts';
import type { CallerSessionState } from '../../queue/session/types.js';
import { plainJson } from '../documents.js';
import { newerEpochError } from '../fencing.js';
import { queueOutboxOrder, sessionOutboxOrder, type CallSessionWrite, type QueueOutboxKey, type QueueRuntimeStore, type QueueWrite, type SessionOutboxKey, type StoredQueue } from '../ports/queues-runtime.js';
import type { Fence } from '../records.js';
import type { MemoryConnection } from './connection.js';
import { checkFence } from './fencing.js';

export interface MemoryQueueTables {
  queues: Map<string, StoredQueue>;
  outbox: Array<{ shard: number; event: QueueEvent }>;
  sessions: Map<string, CallerSessionState>;
  sessionOutbox: Array<{ shard: number; event: SessionEvent }>;
}

const key = (a: string, b: string) => `${a}/${b}`;

export class MemoryQueueRuntimeStore implements QueueRuntimeStore {
  readonly tables: MemoryQueueTables = { queues: new Map(), outbox: [], sessions: new Map(), sessionOutbox: [] };

  constructor(private readonly db: MemoryConnection) {}

  async loadQueue(accountId: string, queueId: string): Promise<StoredQueue | null> {
    return this.db.run(() => {
      const row = this.tables.queues.get(key(accountId, queueId));
      return row ? plainJson(row) : null;
    });
  }

  async listQueuesByShard(shard: number): Promise<StoredQueue[]> {
    return this.db.run(() =>
      [...this.tables.queues.values()]
        .filter((q) => q.shard === shard)
        .sort((a, b) => (key(a.state.account_id, a.state.queue_id) < key(b.state.account_id, b.state.queue_id) ? -1 : 1))
        .map((q) => plainJson(q)),
    );
  }

  async saveQueue(write: QueueWrite, fence: Fence): Promise<void> {
    await this.db.run((t) => {
      checkFence(t, fence);
      const k = key(write.state.account_id, write.state.queue_id);
      const row = this.tables.queues.get(k);
      if (row && row.epoch > fence.epoch) throw newerEpochError(fence);
      this.tables.queues.set(k, { state: plainJson(write.state), shard: write.shard, epoch: fence.epoch });
      this.record(write.shard, write.events);
    });
  }

  async deleteQueue(accountId: string, queueId: string, shard: number, events: QueueEvent[], fence: Fence): Promise<void> {
    await this.db.run((t) => {
      checkFence(t, fence);
      this.tables.queues.delete(key(accountId, queueId));
      this.record(shard, events);
    });
  }

  async listQueueOutbox(shard: number): Promise<QueueEvent[]> {
    return this.db.run(() => this.tables.outbox.filter((o) => o.shard === shard).map((o) => plainJson(o.event)).sort(queueOutboxOrder));
  }

  async deleteQueueOutbox(published: readonly QueueOutboxKey[]): Promise<void> {
    await this.db.run(() => {
      const last = new Map<string, number>();
      for (const p of published) last.set(key(p.account_id, p.queue_id), Math.max(p.seq, last.get(key(p.account_id, p.queue_id)) ?? 0));
      this.tables.outbox = this.tables.outbox.filter((o) => !(o.event.seq <= (last.get(key(o.event.account_id, o.event.queue_id)) ?? -1)));
    });
  }

  async loadCallSession(accountId: string, callId: string): Promise<CallerSessionState | null> {
    return this.db.run(() => {
      const row = this.tables.sessions.get(key(accountId, callId));
      return row ? plainJson(row) : null;
    });
  }

  async saveCallSession(write: CallSessionWrite, fence: Fence): Promise<void> {
    await this.db.run((t) => {
      checkFence(t, fence);
      this.tables.sessions.set(key(write.session.account_id, write.session.call_id), plainJson(write.session));
      for (const event of write.events) {
        const i = this.tables.sessionOutbox.findIndex((o) => o.event.account_id === event.account_id && o.event.session_id === event.session_id && o.event.seq === event.seq);
        const row = { shard: write.shard, event: plainJson(event) };
        if (i >= 0) this.tables.sessionOutbox[i] = row;
        else this.tables.sessionOutbox.push(row);
      }
    });
  }

  async listSessionOutbox(shard: number): Promise<SessionEvent[]> {
    return this.db.run(() => this.tables.sessionOutbox.filter((o) => o.shard === shard).map((o) => plainJson(o.event)).sort(sessionOutboxOrder));
  }

  async deleteSessionOutbox(published: readonly SessionOutboxKey[]): Promise<void> {
    await this.db.run(() => {
      const last = new Map<string, number>();
      for (const p of published) last.set(key(p.account_id, p.session_id), Math.max(p.seq, last.get(key(p.account_id, p.session_id)) ?? 0));
      this.tables.sessionOutbox = this.tables.sessionOutbox.filter((o) => !(o.event.seq <= (last.get(key(o.event.account_id, o.event.session_id)) ?? -1)));
    });
  }

  private record(shard: number, events: readonly QueueEvent[]): void {
    for (const event of events) {
      const i = this.tables.outbox.findIndex((o) => o.event.account_id === event.account_id && o.event.queue_id === event.queue_id && o.event.seq === event.seq);
      const row = { shard, event: plainJson(event) };
      if (i >= 0) this.tables.outbox[i] = row;
      else this.tables.outbox.push(row);
    }
  }
}
