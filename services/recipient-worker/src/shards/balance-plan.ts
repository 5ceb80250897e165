/**
 * The balance round's decisions, as pure functions of what the store and the broker said
 * (docs/cluster.md): no I/O, no clock, no state — table tests in test/shards/balance-plan.test.ts.
 *
 * Live nodes = registered with a heartbeat younger than the TTL, minus owners proven dead. Fair
 * share = N/live, the remainder going to the first names in sorted order, so that every node
 * computes the same quotas and the quotas add up to N exactly. Above its share a node hands the
 * surplus over (its highest shards); below it, it takes free or expired leases (never a valid one).
 */
import type { Lease, NodeRecord } from '../store/port.js';

/**
 * This node's fair share of `shardCount` shards among the live nodes (this node included):
 * ⌊N/L⌋, plus one for the first N mod L names in sorted order. Every node computes the same
 * quotas from the same registry, and they add up to N, so nodes never fight over shards.
 */
export function fairShare(shardCount: number, liveNodes: readonly string[], node: string): number {
  const sorted = [...new Set([...liveNodes, node])].sort();
  const index = sorted.indexOf(node);
  return Math.floor(shardCount / sorted.length) + (index < shardCount % sorted.length ? 1 : 0);
}

/**
 * Owners worth a presence probe: registered owners (other than `node`) of leases still valid at
 * `now`. An unregistered owner is left to its TTL (it left, or never joined through this registry).
 */
export function probeTargets(nodes: readonly NodeRecord[], leases: readonly Lease[], node: string, now: number): string[] {
  const registered = new Set(nodes.map((n) => n.name));
  const owners = new Set<string>();
  for (const l of leases) {
    if (l.owner !== null && l.owner !== node && l.expires_at >= now && registered.has(l.owner)) owners.add(l.owner);
  }
  return [...owners].sort();
}

/** The valid leases of owners proven dead: released on their behalf (conditionally on their epoch). */
export function leasesOfDead(leases: readonly Lease[], dead: ReadonlySet<string>, now: number): Lease[] {
  return leases.filter((l) => l.owner !== null && dead.has(l.owner) && l.expires_at >= now);
}

export interface BalanceInput {
  node: string;
  shardCount: number;
  leaseTtlMs: number;
  now: number;
  nodes: readonly NodeRecord[];
  /** every lease row, as read at the start of the round */
  leases: readonly Lease[];
  /** owners proven dead this round (their valid leases count as released) */
  dead: ReadonlySet<string>;
  /** shards this node holds and keeps (loading or serving; not those handing over) */
  held: readonly number[];
  /** shards this node must not try to take: held in any phase, or a take in progress */
  busy: ReadonlySet<number>;
  /** the last time one of this node's store operations failed (-Infinity: never) */
  lastStoreFaultAt: number;
}

export interface BalancePlan {
  quota: number;
  /** live node names, this node included, sorted */
  live: string[];
  /** the surplus to hand over, highest shard first ([] unless above the quota) */
  handOver: number[];
  /** free shards to try, in order, and how many to take ([] / 0 unless below the quota) */
  candidates: number[];
  want: number;
}

export function planBalance(input: BalanceInput): BalancePlan {
  const { node, shardCount, leaseTtlMs, now, dead } = input;
  const liveOthers = input.nodes.filter((n) => now - n.heartbeat_at < leaseTtlMs && !dead.has(n.name)).map((n) => n.name);
  const live = [...new Set([...liveOthers, node])].sort();
  const quota = fairShare(shardCount, liveOthers, node);
  const plan: BalancePlan = { quota, live, handOver: [], candidates: [], want: 0 };
  const held = input.held.length;

  if (held > quota) {
    // the highest shards, so that every node agrees on nothing more than counts
    plan.handOver = [...input.held].sort((a, b) => b - a).slice(0, held - quota);
    return plan;
  }
  if (held === quota) return plan;

  // Just after a store outage of our own, every lease looks expired (nobody could renew) and every
  // heartbeat stale: leave the owners a TTL to renew (they are suspended, not gone) before taking
  // an expired lease from them. A released lease (owner null) is free at once, and so is a dead
  // owner's (released for it this round).
  const storeSettled = now - input.lastStoreFaultAt >= leaseTtlMs;
  const released = new Set(leasesOfDead(input.leases, dead, now).map((l) => l.shard));
  const leaseOf = new Map(input.leases.map((l) => [l.shard, l]));
  const free = (s: number): boolean => {
    if (input.busy.has(s)) return false;
    const l = leaseOf.get(s);
    return !l || l.owner === null || released.has(s) || l.owner === node || (l.expires_at < now && storeSettled);
  };
  // Start looking where this node's "own" range begins, so that nodes taking at once rarely collide.
  const offset = Math.floor((live.indexOf(node) * shardCount) / live.length);
  for (let i = 0; i < shardCount; i++) {
    const s = (offset + i) % shardCount;
    if (free(s)) plan.candidates.push(s);
  }
  plan.want = plan.candidates.length > 0 ? quota - held : 0;
  return plan;
}
