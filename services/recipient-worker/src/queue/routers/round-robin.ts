/**
 * route_round_robin, with Qubicle's documented "round": a round holds every member; each offer
 * takes that member out of the round, whatever the outcome (answered, rejected, missed, refused),
 * until all were offered. Then a new round starts with everyone.
 *
 * - Within a round, members are offered in recipient-id order (a fixed cycle: with everyone free
 *   and calls coming one by one it is a, b, c, a, b, c).
 * - "All were offered" is judged among those who can take a call now: when every candidate was
 *   already offered in this round, a new round starts rather than keeping the caller waiting for a
 *   member who is busy or logged out. Such a member is in the new round like everyone else.
 * - A member joining mid-round is in the round (not yet offered); one leaving simply stops being a
 *   candidate (their id stays in `offered` until the round ends: bounded by the roster).
 */
import { byId, orderBy } from './tie-break.js';
import type { Candidate, Router } from './types.js';

export interface RoundRobinState {
  /** members offered in the current round, in the order they were offered */
  offered: string[];
}

export const roundRobin: Router<RoundRobinState> = {
  name: 'route_round_robin',
  initialState: () => ({ offered: [] }),
  route(candidates, _session, state) {
    const offered = new Set(Array.isArray(state?.offered) ? state.offered : []);
    let inRound = candidates.filter((c) => !offered.has(c.recipient_id));
    let round = offered;
    if (inRound.length === 0) {
      round = new Set();
      inRound = [...candidates];
    }
    const first = orderBy(inRound, byId);
    const rest = orderBy(
      candidates.filter((c: Candidate) => round.has(c.recipient_id)),
      byId,
    );
    const order = [...first, ...rest];
    const next = order[0];
    return { order, state: { offered: next === undefined ? [...round] : [...round, next] } };
  },
};
