/**
 * Write-behind batching of recipient state upserts: the writes that many actors ask for during one
 * turn of the event loop go to the store together, as ONE `saveRecipientGroups` call (SQLite: one
 * transaction, one savepoint per shard) — or one `saveRecipients` per shard for a store without it.
 * Each write carries its change's events: the store records them in its outbox with the state.
 *
 * "Persisted before replying" still holds: an actor awaits `save()`, which settles only after the
 * batch holding its write committed (or failed). A batch is grouped by fence (shard, epoch, node):
 * a fenced or failed group rejects exactly the writes of that group (its actors answer
 * `unavailable`, and a fenced one stops), the other groups of the batch are written and resolve.
 * One actor never has two writes in flight (its mailbox waits for the first), so batching never
 * reorders one recipient's writes.
 *
 * Flushed on setImmediate after the first write of a batch: writes arriving while a flush runs
 * (an async store) wait for the next one.
 */
import type { AuditEntry, RecipientEvent, RecipientState } from '@qubicle/contracts';
import type { RecipientWriter } from './recipient-actor.js';
import { StoreError, type Fence, type RecipientStore, type RecipientWrite } from '../store/port.js';

interface Group {
  fence: Fence;
  writes: RecipientWrite[];
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

export interface WriteBatchStats {
  /** store calls made (batches flushed) */
  batches: number;
  /** writes in them */
  writes: number;
}

export class WriteBatcher implements RecipientWriter {
  private pending = new Map<string, Group>();
  private scheduled = false;
  readonly stats: WriteBatchStats = { batches: 0, writes: 0 };

  constructor(
    private readonly store: Pick<RecipientStore, 'saveRecipients' | 'saveRecipientGroups'>,
    /** how a flush is scheduled (tests may flush by hand) */
    private readonly schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
  ) {}

  save(state: RecipientState, shard: number, fence: Fence, events?: RecipientEvent[], audit?: AuditEntry[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = `${fence.shard}\n${fence.epoch}\n${fence.node}`;
      let group = this.pending.get(key);
      if (!group) {
        group = { fence, writes: [], waiters: [] };
        this.pending.set(key, group);
      }
      const write: RecipientWrite = { state, shard };
      if (events && events.length > 0) write.events = events;
      if (audit && audit.length > 0) write.audit = audit;
      group.writes.push(write);
      group.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.schedule(() => void this.flush());
      }
    });
  }

  /** Writes what is pending now; resolves when it was written (or failed). */
  async flush(): Promise<void> {
    this.scheduled = false;
    const groups = [...this.pending.values()];
    this.pending = new Map();
    if (groups.length === 0) return;
    this.stats.batches++;
    for (const g of groups) this.stats.writes += g.writes.length;
    let outcomes: Array<unknown>;
    try {
      if (this.store.saveRecipientGroups) {
        outcomes = await this.store.saveRecipientGroups(groups.map((g) => ({ writes: g.writes, fence: g.fence })));
      } else {
        const settled = await Promise.allSettled(groups.map((g) => this.store.saveRecipients(g.writes, g.fence)));
        outcomes = settled.map((r) => (r.status === 'fulfilled' ? null : (r.reason as unknown)));
      }
    } catch (err) {
      // the store as a whole failed: nothing of this batch was written
      outcomes = groups.map(() => err);
    }
    groups.forEach((g, i) => {
      const outcome = outcomes[i] ?? null;
      for (const w of g.waiters) {
        if (outcome === null) w.resolve();
        else w.reject(outcome instanceof Error ? outcome : new StoreError('unavailable', String(outcome)));
      }
    });
  }
}
