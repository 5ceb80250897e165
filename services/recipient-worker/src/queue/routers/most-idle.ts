/**
 * route_most_idle: longest time since the member last finished a call or became ready first (the
 * oldest `idle_since`); ties (same second): recipient id.
 */
import { byIdleThenId, orderBy } from './tie-break.js';
import type { Router } from './types.js';

export const mostIdle: Router<null> = {
  name: 'route_most_idle',
  initialState: () => null,
  route: (candidates) => ({ order: orderBy(candidates, byIdleThenId), state: null }),
};
