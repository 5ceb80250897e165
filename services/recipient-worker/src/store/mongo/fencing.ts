/**
 * How the MongoDB adapter fences (ports/recipients.ts, Fencing).
 *
 * Every recipient document carries the `epoch` it was written under, and `claimShard` (run by a
 * new owner after acquiring the lease, before loading) stamps every document of the shard with the
 * new epoch: updateMany({shard, epoch:{$lt:E}}, {$set:{epoch:E}}). A write is conditional on it:
 * replaceOne/updateOne({_id, epoch:{$lte: fence.epoch}}, ..., {upsert:true}) (`fencedFilter`). If
 * the document exists with a newer epoch the filter does not match, the upsert tries to insert the
 * same _id and gets a duplicate-key error, which means a newer owner has it → StoreError('fenced')
 * (`fencedWrite`).
 *
 * ## On a replica set (production): transactions
 * The fenced writes (saveRecipients, logoutRecipient, claimShard) run in ONE multi-document
 * transaction (connection.ts `transaction`) whose first operation is a conditional write to the
 * shard's lease document (`fenceInTransaction`: owner = the fence's node, epoch <= the fence's,
 * `$set fenced_write_at`). Writing the lease, not only reading it, is what makes the check atomic
 * with the write: a lease change by another node (tryAcquireLease) either commits first — then
 * the condition no longer matches, or the transaction meets a write conflict and the driver runs
 * it again, and it no longer matches — or waits for this transaction to commit. So:
 *   - a batch of saveRecipients is all or nothing;
 *   - a stale writer can no longer create a document that did not exist at claim time;
 *   - a logout's session record is written in the same transaction as its tombstone.
 *
 * ## On a standalone server: single-document fencing (the two gaps)
 * No transactions: a write first checks the lease document (`checkFence`), then writes
 * conditionally as above. Remaining differences, inherent without transactions:
 *   - a batch of saveRecipients is one ordered bulkWrite, not a transaction: if a race makes the
 *     k-th write fail, the writes before it stay (the lease check makes this impossible unless the
 *     lease changes hands between the check and the write);
 *   - a stale writer that passed the lease check just before the new owner acquired the lease can
 *     still create a document that did not exist at claim time (an upsert of a new id has no epoch
 *     to compare with). The cluster avoids this by timing: a node stops consuming before its lease
 *     can expire, and a lease is taken over only after it has expired.
 * The mode is chosen at init and logged (connection.ts).
 */
import type { ClientSession } from 'mongodb';
import { checkLease, leaseLostError, newerEpochError } from '../fencing.js';
import type { Fence } from '../records.js';
import type { MongoConnection } from './connection.js';
import { isDuplicateKey } from './errors.js';

export function recipientKey(accountId: string, recipientId: string): string {
  return `${accountId}/${recipientId}`;
}

/** Single-document mode: the lease must still be the fence's (read, then the caller writes conditionally). */
export async function checkFence(db: MongoConnection, fence: Fence): Promise<void> {
  checkLease(await db.leases.findOne({ _id: fence.shard }), fence);
}

/**
 * Transaction mode, first operation of the transaction: a write to the lease document on the
 * fencing condition. Matching nothing means the fence lost the lease → StoreError('fenced').
 */
export async function fenceInTransaction(db: MongoConnection, fence: Fence, now: number, session: ClientSession): Promise<void> {
  const r = await db.leases.updateOne(
    { _id: fence.shard, owner: fence.node, epoch: { $lte: fence.epoch } },
    { $set: { fenced_write_at: now } },
    { session },
  );
  if (r.matchedCount === 1) return;
  throw leaseLostError(fence, await db.leases.findOne({ _id: fence.shard }, { session }));
}

/**
 * Matches only a document written/claimed under this epoch or an older one; if a newer epoch owns
 * it, the upsert collides on _id (duplicate key) instead, which fencedWrite turns into 'fenced'.
 */
export function fencedFilter(accountId: string, recipientId: string, fence: Fence): { _id: string; epoch: { $lte: number } } {
  return { _id: recipientKey(accountId, recipientId), epoch: { $lte: fence.epoch } };
}

export async function fencedWrite(fence: Fence, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (isDuplicateKey(err)) throw newerEpochError(fence, undefined, err);
    throw err;
  }
}
