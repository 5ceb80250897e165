/**
 * route_least_offers: fewest offers of this queue received today first; ties: longest idle, then
 * id. A member who rejects still collects offers, so the next calls go to the others first (the
 * caveat of least calls does not apply). Offers the recipient refused (busy, not ready) are not
 * counted: they were never received.
 */
import { byIdleThenId, orderBy } from './tie-break.js';
import type { Router } from './types.js';

export const leastOffers: Router<null> = {
  name: 'route_least_offers',
  initialState: () => null,
  route: (candidates) => ({ order: orderBy(candidates, (a, b) => a.offers - b.offers || byIdleThenId(a, b)), state: null }),
};
