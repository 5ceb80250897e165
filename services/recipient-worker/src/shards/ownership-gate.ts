/**
 * The ownership gate: the one place that answers "may this node act for shard S now, and under
 * which epoch?". It is built before the actors and the shard handler (worker.ts), which read it;
 * the lease book (lease-book.ts) is the only writer of its entries. Nothing here talks to the
 * store or the bus: the store's fence (claimShard/epoch) is the second, and last, line.
 *
 * A shard may be acted for while its entry is held (loading, serving or draining), not suspended,
 * and, by this node's own clock, within TTL×0.8 of its last successful renew. When only that last
 * test fails (the process was frozen or starved), the lease book is told at once (`onStale`): it
 * gives the shard up (or suspends it), before the caller requeues what it received.
 *
 * One command is admitted once (`admit`, by the shard handler, for the queue it came from); the
 * admission then checks, without another look-up, that every recipient of the command belongs to
 * that shard (`misrouted` otherwise: a routing bug of the sender, never retried).
 */
import { shardOf, type QubicleError } from '@qubicle/contracts';
import type { Clock } from '../clock.js';
import type { Fence } from '../store/port.js';

/** Fraction of the TTL after the last successful renew at which a shard is given up. */
export const LEASE_SAFETY = 0.8;

/** loading: leased and claimed, recipients loading or consumer not yet granted. */
export type Phase = 'loading' | 'serving' | 'draining' | 'lost';

/** What the gate reads of a lease this node holds (the lease book's record). */
export interface HeldLease {
  readonly shard: number;
  readonly fence: Fence;
  readonly phase: Phase;
  /** the `now` passed to the last successful acquire/renew (the lease runs from there) */
  readonly renewedAt: number;
  /** why the last renewal failed (the store did not answer); null after a successful one */
  readonly storeFault: string | null;
  /** the lease could not be renewed in time because of the store: commands answered 503 */
  readonly suspended: { readonly since: number; readonly reason: string } | null;
}

export type Admission =
  /** Act under `fence`; `route` checks the command's recipients against the admitted shard. */
  | { kind: 'serve'; shard: number; fence: Fence; route(accountId: string, recipientIds: readonly string[]): QubicleError | null; lost(): boolean }
  /** Not held here (any more): back to the queue, for the owner. */
  | { kind: 'requeue'; shard: number }
  /** Answered at once, nothing runs: suspended (retryable `unavailable`) or not a shard queue (`misrouted`). */
  | { kind: 'refuse'; error: QubicleError };

export interface OwnershipGateOptions {
  node: string;
  shardCount: number;
  leaseTtlMs: number;
  clock: Pick<Clock, 'now'>;
}

export class OwnershipGate {
  private readonly held = new Map<number, HeldLease>();
  private stale: (lease: HeldLease, reason: string) => void = () => {};
  private fencedListener: (shard: number) => void = () => {};

  constructor(private readonly opts: OwnershipGateOptions) {}

  // ------------------------------------------------------------------ the lease book's side

  /** The lease book listens: a held lease found too old by this node's clock. One listener. */
  onStale(listener: (lease: HeldLease, reason: string) => void): void {
    this.stale = listener;
  }

  /** The lease book listens: a write of this shard was fenced by the store (another node holds it). One listener. */
  onFenced(listener: (shard: number) => void): void {
    this.fencedListener = listener;
  }

  hold(lease: HeldLease): void {
    this.held.set(lease.shard, lease);
  }

  /** Forgets `lease` (not a newer record of the same shard). */
  forget(lease: HeldLease): void {
    if (this.held.get(lease.shard) === lease) this.held.delete(lease.shard);
  }

  // ------------------------------------------------------------------ the readers' side

  /**
   * The single ownership check of one command, by the queue it was delivered from (undefined:
   * not a shard queue). Suspended → refused 503 naming the store; not held or stale → requeue.
   */
  admit(queueShard: number | undefined): Admission {
    const { node, shardCount } = this.opts;
    if (queueShard === undefined || queueShard >= shardCount) {
      return { kind: 'refuse', error: { code: 'misrouted', message: `not a shard queue of this cluster (${shardCount} shards) on ${node}` } };
    }
    const suspended = this.suspension(queueShard);
    if (suspended !== null) return { kind: 'refuse', error: { code: 'unavailable', message: suspended } };
    const lease = this.valid(queueShard);
    if (!lease) return { kind: 'requeue', shard: queueShard };
    return {
      kind: 'serve',
      shard: queueShard,
      fence: lease.fence,
      route: (accountId, recipientIds) => {
        for (const id of recipientIds) {
          const shard = shardOf(accountId, id, shardCount);
          if (shard !== queueShard) {
            return { code: 'misrouted', message: `recipient ${id} belongs to shard ${shard}, not to shard ${queueShard} whose queue this came from (the shard hash of docs/bus.md)` };
          }
        }
        return null;
      },
      // the record admitted is gone (lost, handed over), not merely suspended meanwhile
      lost: () => lease.phase === 'lost' || this.held.get(queueShard) !== lease,
    };
  }

  /** An actor's write was refused by the store's fence: the shard is someone else's now. Returns at once. */
  fenced(shard: number): void {
    this.fencedListener(shard);
  }

  /** The fence to write shard `shard` under, or null when it may not be written here now. */
  fenceOf(shard: number): Fence | null {
    return this.valid(shard)?.fence ?? null;
  }

  /** May this node act for `shard` now (same test as `admit`, for a shard that is not the command's own: a monitor target). */
  serves(shard: number): boolean {
    return this.valid(shard) !== null;
  }

  /** Why commands of a held shard are answered 503 now (suspended), naming the store; else null. */
  suspension(shard: number): string | null {
    const lease = this.held.get(shard);
    if (!lease || lease.phase === 'lost' || !lease.suspended) return null;
    return `shard ${shard} is suspended on ${this.opts.node}: its lease cannot be renewed (${lease.storeFault ?? lease.suspended.reason}); retry`;
  }

  private valid(shard: number): HeldLease | null {
    const lease = this.held.get(shard);
    if (!lease || lease.phase === 'lost' || lease.suspended) return null;
    if (this.opts.clock.now() >= lease.renewedAt + Math.floor(this.opts.leaseTtlMs * LEASE_SAFETY)) {
      this.stale(lease, `lease not renewed within ${LEASE_SAFETY * 100}% of its TTL by this node's clock (was the process frozen?)`);
      return null;
    }
    return lease;
  }
}
