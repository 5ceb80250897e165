/**
 * The recipients aggregate in memory (ports/recipients.ts): `recipients` (logged in, with the
 * epoch each was written under), `loggedOut` (tombstones) and `outbox`. Fencing: fencing.ts.
 */
import type { RecipientEvent } from '@qubicle/contracts';
import { plainJson } from '../documents.js';
import { StoreError } from '../errors.js';
import { assertClaimInFenceShard, assertLogoutInFenceShard, assertWritesInFenceShard, newerEpochError } from '../fencing.js';
import type { RecipientStore } from '../ports/recipients.js';
import type { Fence, LoggedOutRecipient, OutboxKey, RecipientLogout, RecipientWrite, StoredRecipient } from '../records.js';
import { recipientKey, type MemoryConnection, type MemoryTables } from './connection.js';
import { checkFence } from './fencing.js';
import { upsertSession } from './sessions.js';
import { recordAudit } from './audit.js';

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The outbox order of listOutbox: account, recipient, seq (each recipient's in seq order). */
function outboxOrder(a: RecipientEvent, b: RecipientEvent): number {
  return cmp(a.account_id, b.account_id) || cmp(a.recipient_id, b.recipient_id) || a.seq - b.seq;
}

/** A replayed identical event (same recipient and seq) replaces itself. */
function recordEvents(tables: MemoryTables, events: readonly RecipientEvent[] | undefined, shard: number): void {
  for (const event of events ?? []) {
    const i = tables.outbox.findIndex((o) => o.event.account_id === event.account_id && o.event.recipient_id === event.recipient_id && o.event.seq === event.seq);
    const row = { shard, event: plainJson(event) };
    if (i >= 0) tables.outbox[i] = row;
    else tables.outbox.push(row);
  }
}

/** Checks every write (fence, then each row's epoch) before changing anything: a refused batch writes nothing. */
function writeBatch(tables: MemoryTables, writes: readonly RecipientWrite[], fence: Fence, now: number): void {
  checkFence(tables, fence);
  for (const w of writes) {
    const row = tables.recipients.get(recipientKey(w.state.account_id, w.state.recipient_id));
    if (row && row.epoch > fence.epoch) throw newerEpochError(fence, w.state);
  }
  for (const w of writes) {
    tables.recipients.set(recipientKey(w.state.account_id, w.state.recipient_id), { state: plainJson(w.state), shard: w.shard, epoch: fence.epoch, updated: now });
    recordEvents(tables, w.events, w.shard);
    recordAudit(tables, w.audit);
  }
}

export class MemoryRecipientStore implements RecipientStore {
  constructor(private readonly db: MemoryConnection) {}

  async loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null> {
    return this.db.run((t) => {
      const row = t.recipients.get(recipientKey(accountId, recipientId));
      return row ? plainJson(row) : null;
    });
  }

  async listRecipientsByShard(shard: number): Promise<StoredRecipient[]> {
    return this.db.run((t) =>
      [...t.recipients.values()]
        .filter((r) => r.shard === shard)
        .sort((a, b) => cmp(a.state.account_id, b.state.account_id) || cmp(a.state.recipient_id, b.state.recipient_id))
        .map((r) => plainJson(r)),
    );
  }

  async countRecipientsByShard(): Promise<Map<number, number>> {
    return this.db.run((t) => {
      const counts = new Map<number, number>();
      for (const r of t.recipients.values()) counts.set(r.shard, (counts.get(r.shard) ?? 0) + 1);
      return new Map([...counts].sort((a, b) => a[0] - b[0]));
    });
  }

  async saveRecipients(writes: RecipientWrite[], fence: Fence): Promise<void> {
    assertWritesInFenceShard(writes, fence);
    await this.db.run((t) => writeBatch(t, writes, fence, this.db.clock.now()));
  }

  /** One operation for every group; each group checked and written on its own. */
  async saveRecipientGroups(groups: Array<{ writes: RecipientWrite[]; fence: Fence }>): Promise<Array<StoreError | null>> {
    for (const g of groups) assertWritesInFenceShard(g.writes, g.fence);
    return this.db.run((t) => {
      const now = this.db.clock.now();
      return groups.map((g) => {
        try {
          writeBatch(t, g.writes, g.fence, now);
          return null;
        } catch (err) {
          if (err instanceof StoreError) return err;
          throw err;
        }
      });
    });
  }

  async logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void> {
    assertLogoutInFenceShard(logout, fence);
    await this.db.run((t) => {
      checkFence(t, fence);
      const key = recipientKey(logout.account_id, logout.recipient_id);
      const row = t.recipients.get(key);
      if (row && row.epoch > fence.epoch) throw newerEpochError(fence, logout);
      t.recipients.delete(key);
      if (logout.session) upsertSession(t, logout.session);
      // the shard's expired tombstones go (their events are in the outbox table, apart)
      for (const [k, tomb] of t.loggedOut) if (tomb.shard === logout.shard && tomb.forget_at < logout.now) t.loggedOut.delete(k);
      if (logout.forget_at > logout.now) {
        t.loggedOut.set(key, { shard: logout.shard, forget_at: logout.forget_at, recent_commands: [...logout.recent_commands] });
      } else {
        // nothing to remember (RECENT_COMMANDS_TTL_MS=0): an older tombstone must not speak for this logout
        t.loggedOut.delete(key);
      }
      recordEvents(t, logout.events, logout.shard);
      recordAudit(t, logout.audit);
    });
  }

  async loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null> {
    return this.db.run((t) => {
      const tomb = t.loggedOut.get(recipientKey(accountId, recipientId));
      return tomb && tomb.forget_at > now ? { recent_commands: [...tomb.recent_commands], forget_at: tomb.forget_at } : null;
    });
  }

  async claimShard(shard: number, fence: Fence): Promise<void> {
    assertClaimInFenceShard(shard, fence);
    await this.db.run((t) => {
      checkFence(t, fence);
      for (const [key, row] of t.recipients) if (row.shard === shard && row.epoch < fence.epoch) t.recipients.set(key, { ...row, epoch: fence.epoch });
    });
  }

  // outbox

  async listOutbox(shard: number): Promise<RecipientEvent[]> {
    return this.db.run((t) =>
      t.outbox
        .filter((o) => o.shard === shard)
        .map((o) => plainJson(o.event))
        .sort(outboxOrder),
    );
  }

  async deleteOutbox(published: readonly OutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    await this.db.run((t) => {
      const upTo = new Map<string, number>();
      for (const k of published) {
        const key = recipientKey(k.account_id, k.recipient_id);
        upTo.set(key, Math.max(k.seq, upTo.get(key) ?? -Infinity));
      }
      const kept = t.outbox.filter((o) => !(o.event.seq <= (upTo.get(recipientKey(o.event.account_id, o.event.recipient_id)) ?? -Infinity)));
      // in place: whoever holds the table keeps seeing it
      t.outbox.splice(0, t.outbox.length, ...kept);
    });
  }
}
