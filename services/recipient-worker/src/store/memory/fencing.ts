/**
 * How the memory adapter fences (ports/recipients.ts, Fencing): the lease check and the write
 * are one synchronous step of one operation (connection.ts), so nothing can change the lease in
 * between. Each recipient row keeps the epoch it was written (or claimed) under, and a write never
 * overwrites a row with a newer epoch, as in the other adapters.
 */
import { checkLease } from '../fencing.js';
import type { Fence } from '../records.js';
import type { MemoryTables } from './connection.js';

/** Throws StoreError('fenced') unless the fence holds the shard's lease. */
export function checkFence(tables: MemoryTables, fence: Fence): void {
  checkLease(tables.leases.get(fence.shard), fence);
}
