/**
 * A real ownership gate whose entries a test sets by hand (what the lease book does in a node):
 * every shard held under epoch 1, renewed now; `release`, `suspend` and `lose` change one.
 */
import type { Clock } from '../../src/clock.js';
import { OwnershipGate, type HeldLease, type Phase } from '../../src/shards/ownership-gate.js';
import { NODE } from './machine-fixtures.js';

interface Entry {
  shard: number;
  fence: { shard: number; epoch: number; node: string };
  phase: Phase;
  renewedAt: number;
  storeFault: string | null;
  suspended: { since: number; reason: string } | null;
}

export function heldGate(opts: { clock: Pick<Clock, 'now'>; shardCount: number; node?: string; leaseTtlMs?: number }) {
  const node = opts.node ?? NODE;
  const gate = new OwnershipGate({ node, shardCount: opts.shardCount, leaseTtlMs: opts.leaseTtlMs ?? 60_000, clock: opts.clock });
  const entries = new Map<number, Entry>();
  const stale: number[] = [];
  const fenced: number[] = [];
  gate.onStale((lease: HeldLease) => stale.push(lease.shard));
  gate.onFenced((shard) => fenced.push(shard));
  const hold = (shard: number, epoch = 1): Entry => {
    const entry: Entry = { shard, fence: { shard, epoch, node }, phase: 'serving', renewedAt: opts.clock.now(), storeFault: null, suspended: null };
    entries.set(shard, entry);
    gate.hold(entry);
    return entry;
  };
  for (let shard = 0; shard < opts.shardCount; shard++) hold(shard);
  return {
    gate,
    entries,
    /** shards the gate reported too old by the clock, and fenced writes */
    stale,
    fenced,
    hold,
    /** no longer held here (handed over, or never taken) */
    release(shard: number): void {
      const entry = entries.get(shard);
      if (entry) gate.forget(entry);
      entries.delete(shard);
    },
    /** lost while a command ran: the entry is still the gate's until the lease book forgets it */
    lose(shard: number): void {
      const entry = entries.get(shard);
      if (entry) entry.phase = 'lost';
    },
    suspend(shard: number, reason: string): void {
      const entry = entries.get(shard);
      if (entry) entry.suspended = { since: opts.clock.now(), reason };
    },
  };
}
