/**
 * The recipients aggregate in SQLite (ports/recipients.ts): `recipients` (the state as JSON text,
 * its shard and the epoch it was written under), `outbox` and `logged_out` (tombstones).
 *
 * - Fencing: fencing.ts (the lease read in the write's own IMMEDIATE transaction).
 * - The outbox: a change's events are rows of `outbox`, inserted in the same IMMEDIATE
 *   transaction as the fenced state write (a logout's too, with its session and its tombstone in
 *   `logged_out`). Keyed by (account, recipient, seq): the relay deletes by that key once the
 *   broker confirmed, and a new owner lists a shard's rows (each recipient's in seq order). The
 *   table holds only unconfirmed events, so listing a shard scans it without an index.
 */
import type { RecipientEvent, RecipientState } from '@qubicle/contracts';
import { StoreError } from '../errors.js';
import { assertClaimInFenceShard, assertLogoutInFenceShard, assertWritesInFenceShard, newerEpochError } from '../fencing.js';
import type { RecipientStore } from '../ports/recipients.js';
import type { Fence, LoggedOutRecipient, OutboxKey, RecipientLogout, RecipientWrite, StoredRecipient } from '../records.js';
import type { SqliteConnection } from './connection.js';
import { checkFence } from './fencing.js';
import { upsertSession } from './sessions.js';
import { insertAudit } from './audit.js';

interface RecipientRow {
  shard: number;
  epoch: number;
  updated: number;
  state: string;
}

function toStoredRecipient(row: RecipientRow): StoredRecipient {
  return { state: JSON.parse(row.state) as RecipientState, shard: row.shard, epoch: row.epoch, updated: row.updated };
}

export class SqliteRecipientStore implements RecipientStore {
  constructor(private readonly db: SqliteConnection) {}

  async loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null> {
    return this.db.run(() => {
      const row = this.db.stmt(
        'SELECT shard, epoch, updated, state FROM recipients WHERE account_id = ? AND recipient_id = ?',
      ).get(accountId, recipientId) as RecipientRow | undefined;
      return row ? toStoredRecipient(row) : null;
    });
  }

  async listRecipientsByShard(shard: number): Promise<StoredRecipient[]> {
    return this.db.run(() =>
      (
        this.db.stmt(
          'SELECT shard, epoch, updated, state FROM recipients WHERE shard = ? ORDER BY account_id, recipient_id',
        ).all(shard) as RecipientRow[]
      ).map(toStoredRecipient),
    );
  }

  async countRecipientsByShard(): Promise<Map<number, number>> {
    return this.db.run(() => {
      const rows = this.db.stmt('SELECT shard, COUNT(*) AS n FROM recipients GROUP BY shard ORDER BY shard').all() as Array<{
        shard: number;
        n: number;
      }>;
      return new Map(rows.map((r) => [r.shard, r.n]));
    });
  }

  async saveRecipients(writes: RecipientWrite[], fence: Fence): Promise<void> {
    assertWritesInFenceShard(writes, fence);
    await this.db.run(() =>
      this.db.immediate(() => {
        checkFence(this.db, fence);
        this.upsertRecipients(writes, fence, this.db.clock.now());
      }),
    );
  }

  /**
   * One IMMEDIATE transaction for every group; each group in its own savepoint (better-sqlite3
   * nests a transaction as a SAVEPOINT), so a fenced group is rolled back alone.
   */
  async saveRecipientGroups(groups: Array<{ writes: RecipientWrite[]; fence: Fence }>): Promise<Array<StoreError | null>> {
    for (const g of groups) assertWritesInFenceShard(g.writes, g.fence);
    return this.db.run(() =>
      this.db.immediate(() => {
        const now = this.db.clock.now();
        return groups.map((g) => {
          try {
            const write = () => {
              checkFence(this.db, g.fence);
              this.upsertRecipients(g.writes, g.fence, now);
            };
            // A group of one write needs no savepoint: the fence check throws before the write, and
            // a refused upsert (newer epoch) wrote nothing (its events are inserted after it). Under load most groups are one write
            // (one shard's share of a tick), and SAVEPOINT + RELEASE cost as much as the upsert.
            if (g.writes.length === 1) write();
            else this.db.savepoint(write);
            return null;
          } catch (err) {
            if (err instanceof StoreError) return err;
            throw err;
          }
        });
      }),
    );
  }

  private upsertRecipients(writes: RecipientWrite[], fence: Fence, now: number): void {
    const upsert = this.db.stmt(
      `INSERT INTO recipients (account_id, recipient_id, shard, epoch, updated, state) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account_id, recipient_id) DO UPDATE SET
         shard = excluded.shard, epoch = excluded.epoch, updated = excluded.updated, state = excluded.state
       WHERE recipients.epoch <= excluded.epoch`,
    );
    for (const w of writes) {
      const r = upsert.run(w.state.account_id, w.state.recipient_id, w.shard, fence.epoch, now, JSON.stringify(w.state));
      if (r.changes === 0) {
        // A newer epoch wrote this row: roll the whole batch back.
        throw newerEpochError(fence, w.state);
      }
      if (w.events) this.insertOutbox(w.events, w.shard);
      if (w.audit) insertAudit(this.db, w.audit);
    }
  }

  /** Inside the write's transaction. A replayed identical row (same key) replaces itself. */
  private insertOutbox(events: readonly RecipientEvent[], shard: number): void {
    if (events.length === 0) return;
    const insert = this.db.stmt('INSERT OR REPLACE INTO outbox (account_id, recipient_id, seq, shard, event) VALUES (?, ?, ?, ?, ?)');
    for (const e of events) insert.run(e.account_id, e.recipient_id, e.seq, shard, JSON.stringify(e));
  }

  async logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void> {
    const { account_id: accountId, recipient_id: recipientId, shard } = logout;
    assertLogoutInFenceShard(logout, fence);
    await this.db.run(() =>
      this.db.immediate(() => {
        checkFence(this.db, fence);
        const row = this.db.stmt('SELECT epoch FROM recipients WHERE account_id = ? AND recipient_id = ?').get(
          accountId,
          recipientId,
        ) as { epoch: number } | undefined;
        if (row && row.epoch > fence.epoch) {
          throw newerEpochError(fence, logout);
        }
        if (row) this.db.stmt('DELETE FROM recipients WHERE account_id = ? AND recipient_id = ?').run(accountId, recipientId);
        if (logout.session) upsertSession(this.db, logout.session);
        this.db.stmt('DELETE FROM logged_out WHERE shard = ? AND forget_at < ?').run(shard, logout.now);
        if (logout.forget_at > logout.now) {
          this.db.stmt(
            `INSERT INTO logged_out (account_id, recipient_id, shard, forget_at, recent_commands) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (account_id, recipient_id) DO UPDATE SET
               shard = excluded.shard, forget_at = excluded.forget_at, recent_commands = excluded.recent_commands`,
          ).run(accountId, recipientId, shard, logout.forget_at, JSON.stringify(logout.recent_commands));
        } else {
          // nothing to remember (RECENT_COMMANDS_TTL_MS=0): an older tombstone must not speak for this logout
          this.db.stmt('DELETE FROM logged_out WHERE account_id = ? AND recipient_id = ?').run(accountId, recipientId);
        }
        this.insertOutbox(logout.events, shard);
        if (logout.audit) insertAudit(this.db, logout.audit);
      }),
    );
  }

  async loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null> {
    return this.db.run(() => {
      const row = this.db.stmt(
        'SELECT forget_at, recent_commands FROM logged_out WHERE account_id = ? AND recipient_id = ? AND forget_at > ?',
      ).get(accountId, recipientId, now) as { forget_at: number; recent_commands: string } | undefined;
      return row ? { forget_at: row.forget_at, recent_commands: JSON.parse(row.recent_commands) as string[] } : null;
    });
  }

  // outbox

  async listOutbox(shard: number): Promise<RecipientEvent[]> {
    return this.db.run(() =>
      (
        this.db.stmt('SELECT event FROM outbox WHERE shard = ? ORDER BY account_id, recipient_id, seq').all(shard) as Array<{ event: string }>
      ).map((r) => JSON.parse(r.event) as RecipientEvent),
    );
  }

  async deleteOutbox(published: readonly OutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    await this.db.run(() =>
      this.db.immediate(() => {
        const del = this.db.stmt('DELETE FROM outbox WHERE account_id = ? AND recipient_id = ? AND seq <= ?');
        for (const k of published) del.run(k.account_id, k.recipient_id, k.seq);
      }),
    );
  }

  async claimShard(shard: number, fence: Fence): Promise<void> {
    assertClaimInFenceShard(shard, fence);
    await this.db.run(() =>
      this.db.immediate(() => {
        checkFence(this.db, fence);
        // Not needed for fencing here (the lease check above is atomic with every write), but it
        // keeps StoredRecipient.epoch the same as in the MongoDB adapter.
        this.db.stmt('UPDATE recipients SET epoch = ? WHERE shard = ? AND epoch < ?').run(fence.epoch, shard, fence.epoch);
      }),
    );
  }
}
