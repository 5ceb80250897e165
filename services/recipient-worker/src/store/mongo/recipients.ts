/**
 * The recipients aggregate in MongoDB (ports/recipients.ts): `recipients`, one document per
 * recipient (state, shard, epoch, outbox, tombstone). Fencing, on a replica set and on a
 * standalone server: fencing.ts.
 *
 * ## The outbox and logout
 * A change's events are kept INSIDE the recipient document (`outbox`, oldest first), pushed by the
 * same single-document update that writes the state (`$set` + `$push`), so they are atomic with it
 * even without a transaction. The relay removes them with `$pull` (seq <= the confirmed one),
 * another single-document update: the two never overwrite each other's part of the document. A
 * logout does not delete the document: it becomes a tombstone (`state: null`, `logged_out` = the
 * command ids to remember and until when) that still carries its events; a later login `$set`s a
 * state over it. Tombstones past their `forget_at` whose outbox is empty are purged by the next
 * logout in the shard (best effort, after the logout: a failed purge is retried by the next one).
 * The session record goes to `sessions` in the logout's transaction (replica set), or just before
 * it as its own idempotent write (standalone).
 */
import type { AnyBulkWriteOperation, ClientSession, UpdateFilter } from 'mongodb';
import type { RecipientEvent, RecipientState } from '@qubicle/contracts';
import { plainJson } from '../documents.js';
import { assertClaimInFenceShard, assertLogoutInFenceShard, assertWritesInFenceShard } from '../fencing.js';
import type { RecipientStore } from '../ports/recipients.js';
import type { Fence, LoggedOutRecipient, OutboxKey, RecipientLogout, RecipientWrite, StoredRecipient } from '../records.js';
import type { MongoConnection, RecipientRow } from './connection.js';
import { checkFence, fenceInTransaction, fencedFilter, fencedWrite, recipientKey } from './fencing.js';
import { upsertSession } from './sessions.js';
import { upsertAudit } from './audit.js';

/** What recipient reads need of a document (not its outbox nor a tombstone's memory). */
const STATE_ONLY = { projection: { outbox: 0, logged_out: 0 } } as const;
/** A logged-in recipient's document (a tombstone has state null). */
const LOGGED_IN = { state: { $type: 'object' } } as const;

function toStoredRecipient(row: RecipientRow & { state: RecipientState }): StoredRecipient {
  return { state: row.state, shard: row.shard, epoch: row.epoch, updated: row.updated };
}

/** One atomic single-document update: the state (or tombstone) fields `$set`, the events `$push`ed to the outbox. */
function recipientUpdate(
  accountId: string,
  recipientId: string,
  shard: number,
  fence: Fence,
  now: number,
  body: { state: RecipientState; logged_out?: never } | { state: null; logged_out: LoggedOutRecipient },
  events: readonly RecipientEvent[] | undefined,
): UpdateFilter<RecipientRow> {
  const update: UpdateFilter<RecipientRow> = {
    $set: { account_id: accountId, recipient_id: recipientId, shard, epoch: fence.epoch, updated: now, ...body },
  };
  // a login over a tombstone: it is a logged-in document again
  if (body.state !== null) update.$unset = { logged_out: '' };
  if (events && events.length > 0) update.$push = { outbox: { $each: plainJson([...events]) } };
  return update;
}

export class MongoRecipientStore implements RecipientStore {
  constructor(private readonly db: MongoConnection) {}

  /**
   * The fenced write `write` (given the transaction's session, or none) with its lease check:
   * in one transaction on a replica set, else checked first (fencing.ts).
   */
  private async fenced(fence: Fence, now: number, write: (session: ClientSession | undefined) => Promise<void>): Promise<void> {
    if (this.db.fencing === 'transactions') {
      await this.db.transaction(async (session) => {
        await fenceInTransaction(this.db, fence, now, session);
        await write(session);
      });
      return;
    }
    await checkFence(this.db, fence);
    await write(undefined);
  }

  async loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null> {
    return this.db.run(async () => {
      const row = await this.db.recipients.findOne({ _id: recipientKey(accountId, recipientId) }, STATE_ONLY);
      return row?.state ? toStoredRecipient(row as RecipientRow & { state: RecipientState }) : null;
    });
  }

  async listRecipientsByShard(shard: number): Promise<StoredRecipient[]> {
    return this.db.run(async () =>
      (await this.db.recipients.find({ shard, ...LOGGED_IN }, STATE_ONLY).sort({ account_id: 1, recipient_id: 1 }).toArray()).map((row) =>
        toStoredRecipient(row as RecipientRow & { state: RecipientState }),
      ),
    );
  }

  async countRecipientsByShard(): Promise<Map<number, number>> {
    return this.db.run(async () => {
      const rows = await this.db.recipients
        .aggregate<{ _id: number; n: number }>([{ $match: LOGGED_IN }, { $group: { _id: '$shard', n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
        .toArray();
      return new Map(rows.map((r) => [r._id, r.n]));
    });
  }

  async saveRecipients(writes: RecipientWrite[], fence: Fence): Promise<void> {
    assertWritesInFenceShard(writes, fence);
    await this.db.run(async () => {
      const now = this.db.clock.now();
      if (writes.length === 0) {
        // nothing to write: still says whether the fence holds (as the other adapters do)
        await checkFence(this.db, fence);
        return;
      }
      const ops: AnyBulkWriteOperation<RecipientRow>[] = writes.map((w) => ({
        updateOne: {
          filter: fencedFilter(w.state.account_id, w.state.recipient_id, fence),
          update: recipientUpdate(w.state.account_id, w.state.recipient_id, w.shard, fence, now, { state: plainJson(w.state) }, w.events),
          upsert: true,
        },
      }));
      const audit = writes.flatMap((w) => w.audit ?? []);
      await this.fenced(fence, now, async (session) => {
        await fencedWrite(fence, () => this.db.recipients.bulkWrite(ops, session ? { ordered: true, session } : { ordered: true }));
        // in the transaction, or (standalone) only once the state is written (audit.ts)
        await upsertAudit(this.db, audit, session);
      });
    });
  }

  async logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void> {
    assertLogoutInFenceShard(logout, fence);
    const { account_id: accountId, recipient_id: recipientId, shard } = logout;
    await this.db.run(async () => {
      const now = this.db.clock.now();
      // forget_at not ahead: nothing to remember (the document stays while its outbox holds events)
      const remember = logout.forget_at > logout.now ? [...logout.recent_commands] : [];
      const tombstone = { state: null, logged_out: { recent_commands: remember, forget_at: logout.forget_at } };
      await this.fenced(fence, now, async (session) => {
        // In the transaction, or (standalone) just before the tombstone: appending the same session twice replaces it.
        if (logout.session) await upsertSession(this.db, logout.session, session);
        await fencedWrite(fence, () =>
          this.db.recipients.updateOne(
            fencedFilter(accountId, recipientId, fence),
            recipientUpdate(accountId, recipientId, shard, fence, now, tombstone, logout.events),
            session ? { upsert: true, session } : { upsert: true },
          ),
        );
        await upsertAudit(this.db, logout.audit, session);
      });
      // Best effort, after the logout is durable (never inside a transaction: an error there must not be swallowed).
      await this.db.recipients
        .deleteMany({ shard, state: null, 'logged_out.forget_at': { $lt: logout.now }, 'outbox.0': { $exists: false } })
        .catch(() => undefined);
    });
  }

  async loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null> {
    return this.db.run(async () => {
      const row = await this.db.recipients.findOne(
        { _id: recipientKey(accountId, recipientId), state: null, 'logged_out.forget_at': { $gt: now }, 'logged_out.recent_commands.0': { $exists: true } },
        { projection: { logged_out: 1 } },
      );
      return row?.logged_out ? { recent_commands: row.logged_out.recent_commands, forget_at: row.logged_out.forget_at } : null;
    });
  }

  async claimShard(shard: number, fence: Fence): Promise<void> {
    assertClaimInFenceShard(shard, fence);
    await this.db.run(async () => {
      await this.fenced(fence, this.db.clock.now(), async (session) => {
        await this.db.recipients.updateMany({ shard, epoch: { $lt: fence.epoch } }, { $set: { epoch: fence.epoch } }, session ? { session } : {});
      });
    });
  }

  // outbox

  async listOutbox(shard: number): Promise<RecipientEvent[]> {
    return this.db.run(async () => {
      const rows = await this.db.recipients
        .find({ shard, 'outbox.0': { $exists: true } }, { projection: { outbox: 1 } })
        .sort({ account_id: 1, recipient_id: 1 })
        .toArray();
      return rows.flatMap((r) => r.outbox ?? []);
    });
  }

  async deleteOutbox(published: readonly OutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    // per document, the highest confirmed seq: every event up to it is published
    const upTo = new Map<string, number>();
    for (const k of published) {
      const id = recipientKey(k.account_id, k.recipient_id);
      if ((upTo.get(id) ?? -Infinity) < k.seq) upTo.set(id, k.seq);
    }
    await this.db.run(async () => {
      await this.db.recipients.bulkWrite(
        [...upTo].map(([_id, seq]) => ({ updateOne: { filter: { _id }, update: { $pull: { outbox: { seq: { $lte: seq } } } } } })),
        { ordered: false },
      );
    });
  }
}
