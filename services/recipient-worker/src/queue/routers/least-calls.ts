/**
 * route_least_calls: fewest calls of this queue answered today first; ties: longest idle, then id.
 * Documented caveat (kept on purpose, it is what the name promises): a member who keeps rejecting
 * answers no call, so stays "least calls" and is offered again and again; route_least_offers avoids
 * that, and the recipient's missed-call policy / the queue's force_away_on_reject bound it.
 */
import { byIdleThenId, orderBy } from './tie-break.js';
import type { Router } from './types.js';

export const leastCalls: Router<null> = {
  name: 'route_least_calls',
  initialState: () => null,
  route: (candidates) => ({ order: orderBy(candidates, (a, b) => a.handled_calls - b.handled_calls || byIdleThenId(a, b)), state: null }),
};
