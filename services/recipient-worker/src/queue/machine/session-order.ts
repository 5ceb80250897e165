/**
 * The routing order of a queue's callers (docs/queues.md "Callers, priority and order"): higher
 * priority first, then the join counter `order` (FIFO). `QueueState.sessions` is kept sorted by it
 * (join's insertion, the store's row reload).
 */
import type { QueuedSession } from './types.js';

/** < 0 when `a` is served before `b`; 0 only for the same caller (`order` is unique per queue). */
export function sessionOrder(a: Pick<QueuedSession, 'priority' | 'order'>, b: Pick<QueuedSession, 'priority' | 'order'>): number {
  return b.priority - a.priority || a.order - b.order;
}
