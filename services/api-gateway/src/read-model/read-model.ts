/**
 * The gateway's read model of recipient statuses: the last status seen for each recipient, with the
 * per-recipient event sequence number it is at, kept current by the recipient events (each carries
 * the full status after the change) and by the replies of this gateway's own RPCs (which carry the
 * seq since the worker answers from the actor's mailbox). GET status is served from it when it can;
 * everything else goes to the worker as before. Pure bookkeeping: no I/O (feed.ts wires the bus).
 *
 * Consistency rules (docs/performance.md):
 * - An entry only moves forward: an update with a seq below the entry's is ignored (a late event, a
 *   reply that was overtaken). A seq equal to the entry's replaces it (same state; a newer node name
 *   after a failover, a fresher wrap-up countdown).
 * - Served only while the event subscription is up (`active`): losing it (bus down, reconnect) clears
 *   everything, and replies to RPCs sent before a reset are not applied (generations).
 * - A gap (an event whose seq is not the previous + 1, a new login excepted) means events of that
 *   worker were lost: the event is applied (its status is complete) and the rest of its shard is
 *   dropped, to be read again from the worker on demand (resync).
 * - A shard that changed owner (`shards_taken` / `shards_released` broadcasts) is dropped the same
 *   way: the new owner answers the next read, so `node` names it and an event lost in the crash of
 *   the old owner cannot linger.
 * - Read your writes: a command's reply (status + seq) is applied BEFORE the gateway answers it.
 * - Not served: recipients not logged in (the worker tells a non-recipient's 404 apart), Wrapup-Time
 *   (the countdown changes every second), and entries not confirmed for `maxAgeMs` (a safety net for
 *   any event loss nothing above detected: an idle recipient is re-read at most that often).
 */
import { shardOf, type RecipientEvent, type RecipientStatus } from '@qubicle/contracts';

export interface ReadModelOptions {
  /** The cluster's shard count, if known (entries are grouped by shard for invalidation). */
  shardCount: () => number | undefined;
  /** An entry not confirmed (event, reply) for longer is not served (re-read). 0 = no limit. */
  maxAgeMs: number;
  /** Entries kept (the oldest written goes first). */
  maxEntries: number;
  /** ms since epoch */
  clock?: () => number;
}

export interface ReadModelStats {
  entries: number;
  hits: number;
  misses: number;
  events: number;
  /** events whose seq was not the previous + 1 (events of that recipient were lost) */
  gaps: number;
  /** updates ignored because the entry was already at a newer seq */
  stale: number;
  /** shards dropped (gap, owner change) */
  shardResets: number;
  /** whole-model resets (subscription lost or (re)started) */
  resets: number;
  active: boolean;
}

interface Entry {
  seq: number;
  status: RecipientStatus;
  /** `status` serialised, made on first use (served as is) */
  json: string | undefined;
  shard: number;
  /** ms when last confirmed (event or reply) */
  at: number;
}

/** Taken before an RPC; its reply is applied only if nothing was reset meanwhile. */
export interface ReadTicket {
  key: string;
  shard: number;
  epoch: number;
  shardEpoch: number;
}

const keyOf = (accountId: string, recipientId: string) => `${accountId}/${recipientId}`;

export class RecipientReadModel {
  private readonly entries = new Map<string, Entry>();
  private epoch = 0;
  private shardEpochs: number[] = [];
  private active = false;
  private readonly clock: () => number;
  private readonly counters = { hits: 0, misses: 0, events: 0, gaps: 0, stale: 0, shardResets: 0, resets: 0 };

  constructor(private readonly opts: ReadModelOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  /** The event subscription is up (true) or lost (false). Either way, everything known so far is dropped. */
  setActive(active: boolean): void {
    this.active = active;
    this.entries.clear();
    this.epoch++;
    this.counters.resets++;
  }

  get isActive(): boolean {
    return this.active;
  }

  /** The status to serve for a recipient, or undefined (ask the worker). */
  get(accountId: string, recipientId: string): RecipientStatus | undefined {
    return this.servable(accountId, recipientId)?.status;
  }

  /** The same, serialised (made once per update of the entry, whatever the number of reads). */
  getJson(accountId: string, recipientId: string): string | undefined {
    const e = this.servable(accountId, recipientId);
    if (!e) return undefined;
    return (e.json ??= JSON.stringify(e.status));
  }

  private servable(accountId: string, recipientId: string): Entry | undefined {
    const e = this.active ? this.entries.get(keyOf(accountId, recipientId)) : undefined;
    if (
      !e ||
      e.status.availability_state === 'Not-Logged-In' ||
      e.status.availability_state === 'Wrapup-Time' ||
      (this.opts.maxAgeMs > 0 && this.clock() - e.at > this.opts.maxAgeMs)
    ) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    return e;
  }

  /** Before an RPC whose reply may update the model; undefined when it cannot (inactive, shard count unknown). */
  ticket(accountId: string, recipientId: string): ReadTicket | undefined {
    const shard = this.shardOf(accountId, recipientId);
    if (!this.active || shard === undefined) return undefined;
    return { key: keyOf(accountId, recipientId), shard, epoch: this.epoch, shardEpoch: this.shardEpochs[shard] ?? 0 };
  }

  /** A reply of a recipient's actor: its status at `seq` (a read, or the state after a write). */
  observe(ticket: ReadTicket, seq: number, status: RecipientStatus): void {
    if (!this.active || ticket.epoch !== this.epoch || ticket.shardEpoch !== (this.shardEpochs[ticket.shard] ?? 0)) return;
    this.put(ticket.key, ticket.shard, seq, status);
  }

  /** A recipient event from the bus. */
  applyEvent(event: RecipientEvent): void {
    if (!this.active) return;
    this.counters.events++;
    const shard = this.shardOf(event.account_id, event.recipient_id);
    if (shard === undefined) return;
    const key = keyOf(event.account_id, event.recipient_id);
    const known = this.entries.get(key);
    const gap = known !== undefined && event.seq > known.seq + 1 && event.event !== 'create';
    if (!this.put(key, shard, event.seq, event.status)) return;
    if (gap) {
      // events of this recipient were lost: those of its neighbours (same worker) may have been too
      this.counters.gaps++;
      const entry = this.entries.get(key)!;
      this.invalidateShards([shard]);
      this.entries.set(key, entry);
    }
  }

  /** Drops what is known of these shards (owner changed, or resync) and outdates replies in flight for them. */
  invalidateShards(shards: readonly number[]): void {
    if (shards.length === 0) return;
    const set = new Set(shards);
    for (const s of set) this.shardEpochs[s] = (this.shardEpochs[s] ?? 0) + 1;
    for (const [key, e] of this.entries) if (set.has(e.shard)) this.entries.delete(key);
    this.counters.shardResets += set.size;
  }

  stats(): ReadModelStats {
    return { entries: this.entries.size, ...this.counters, active: this.active };
  }

  private put(key: string, shard: number, seq: number, status: RecipientStatus): boolean {
    const known = this.entries.get(key);
    if (known && seq < known.seq) {
      this.counters.stale++;
      return false;
    }
    const now = this.clock();
    if (known) {
      known.seq = seq;
      known.status = status;
      known.json = undefined;
      known.at = now;
      return true;
    }
    if (this.entries.size >= this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { seq, status, json: undefined, shard, at: now });
    return true;
  }

  private shardOf(accountId: string, recipientId: string): number | undefined {
    const n = this.opts.shardCount();
    return n === undefined ? undefined : shardOf(accountId, recipientId, n);
  }
}
