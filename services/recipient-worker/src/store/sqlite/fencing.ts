/**
 * How the SQLite adapter fences (ports/recipients.ts, Fencing): every fenced write reads the
 * shard's lease row INSIDE the same IMMEDIATE transaction as the write, so the check and the
 * write are atomic (no other process can change the lease in between: it would need the write
 * lock). Each recipient row also keeps the epoch it was written (or claimed) under, and an upsert
 * never overwrites a row with a newer epoch (belt and braces; the lease check already implies it).
 */
import { checkLease } from '../fencing.js';
import type { Fence, Lease } from '../records.js';
import type { SqliteConnection } from './connection.js';

export interface LeaseRow {
  shard: number;
  owner: string | null;
  epoch: number;
  expires_at: number;
}

export const SELECT_LEASE = 'SELECT shard, owner, epoch, expires_at FROM leases WHERE shard = ?';

export function toLease(row: LeaseRow): Lease {
  return { shard: row.shard, owner: row.owner, epoch: row.epoch, expires_at: row.expires_at };
}

/** Inside an immediate() transaction: throws StoreError('fenced') unless the fence holds the shard's lease. */
export function checkFence(db: SqliteConnection, fence: Fence): void {
  checkLease(db.stmt(SELECT_LEASE).get(fence.shard) as LeaseRow | undefined, fence);
}
