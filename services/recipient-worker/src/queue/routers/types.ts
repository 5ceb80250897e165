/**
 * A router decides which recipient a waiting caller is offered to (queues.md §4). It is a pure
 * function of the candidates (with the figures routers sort on), the session and the router's own
 * state, so that routers are table-tested and adding one is adding a file (and a row in index.ts).
 *
 * Contract with the queue machine:
 * - `candidates` are only members who can take the call now (logged in, Ready, not away for this
 *   queue, not wiretapping, not holding an offer of this queue); never empty when route is called;
 * - `order` lists candidate ids, best first; the machine offers to `order[0]` only (one recipient at
 *   a time per session) and routes again for the next attempt;
 * - the returned `state` is the router's state AFTER that offer to `order[0]` (a router that keeps
 *   rounds, like round robin, counts the offer whatever its outcome); it must be JSON-serialisable
 *   and small: it is part of the queue's persisted state;
 * - ties are broken deterministically (never by randomness or by the candidates' input order), so a
 *   queue replayed after a failover decides the same.
 */
import type { QueueRouterName } from '@qubicle/contracts';

export interface Candidate {
  recipient_id: string;
  /** calls of this queue the member answered today */
  handled_calls: number;
  /** offers this queue made to the member today (refused offers are not counted) */
  offers: number;
  /** ms since epoch the member became Ready (after their last call's wrap-up, or by setting ready) */
  idle_since: number;
}

/** The caller being routed (routers of today do not look at it; skills routing would). */
export interface RouterSession {
  session_id: string;
  priority: number;
  /** ms since epoch the caller entered the queue */
  entered_at: number;
}

export interface RouteResult<S> {
  order: string[];
  state: S;
}

export interface Router<S> {
  name: QueueRouterName;
  /** The state of a queue that just started, or whose router was changed. */
  initialState(): S;
  route(candidates: readonly Candidate[], session: RouterSession, state: S): RouteResult<S>;
}
