/**
 * The fencing rules every adapter applies (ports/recipients.ts, Fencing), once: which lease lets a
 * fence write, that a batch stays in its fence's shard, and what a refused writer is told. Each
 * adapter's own fencing.ts says how it makes the check atomic with the write.
 */
import { StoreError } from './errors.js';
import type { Fence, RecipientWrite } from './records.js';

/** The lease must be the fence's node's, at the fence's epoch or an older one (never a newer owner's). */
export function leaseAllowsWrite(lease: { owner: string | null; epoch: number } | null | undefined, fence: Fence): boolean {
  return !!lease && lease.owner === fence.node && lease.epoch <= fence.epoch;
}

/** Every write of a fenced batch must belong to the fence's shard. */
export function assertWritesInFenceShard(writes: ReadonlyArray<RecipientWrite>, fence: Fence): void {
  for (const w of writes) {
    if (w.shard !== fence.shard) {
      throw new RangeError(
        `recipient ${w.state.account_id}/${w.state.recipient_id} is written with shard ${w.shard} under a fence for shard ${fence.shard}`,
      );
    }
  }
}

/** A logout, too, must be in its fence's shard. */
export function assertLogoutInFenceShard(logout: { account_id: string; recipient_id: string; shard: number }, fence: Fence): void {
  if (logout.shard !== fence.shard) {
    throw new RangeError(
      `recipient ${logout.account_id}/${logout.recipient_id} logged out with shard ${logout.shard} under a fence for shard ${fence.shard}`,
    );
  }
}

/** claimShard is for the fence's own shard. */
export function assertClaimInFenceShard(shard: number, fence: Fence): void {
  if (shard !== fence.shard) throw new RangeError(`claimShard(${shard}) with a fence for shard ${fence.shard}`);
}

/** The shard's lease is not (any more) the fence's. */
export function leaseLostError(fence: Fence, lease: { owner: string | null; epoch: number } | null | undefined): StoreError {
  return new StoreError(
    'fenced',
    `shard ${fence.shard}: ${fence.node}@${fence.epoch} no longer holds the lease (now ${lease?.owner ?? 'nobody'}@${lease?.epoch ?? 0})`,
  );
}

/** This recipient was written (or claimed) under a newer epoch than the fence's. */
export function newerEpochError(fence: Fence, recipient?: { account_id: string; recipient_id: string }, cause?: unknown): StoreError {
  const who = recipient ? `recipient ${recipient.account_id}/${recipient.recipient_id}` : `shard ${fence.shard}: a recipient`;
  return new StoreError('fenced', `${who} was written under a newer epoch than ${fence.epoch}`, cause === undefined ? undefined : { cause });
}

/** Throws leaseLostError unless the lease lets the fence write. */
export function checkLease(lease: { owner: string | null; epoch: number } | null | undefined, fence: Fence): void {
  if (!leaseAllowsWrite(lease, fence)) throw leaseLostError(fence, lease);
}
