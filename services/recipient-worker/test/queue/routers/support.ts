/** Builders for router table tests. */
import type { Candidate, RouterSession } from '../../../src/queue/routers/index.js';

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
export const SESSION: RouterSession = { session_id: 'call-1', priority: 0, entered_at: T0 };

/** A candidate with neutral figures unless given. */
export function cand(id: string, over: Partial<Omit<Candidate, 'recipient_id'>> = {}): Candidate {
  return { recipient_id: id, handled_calls: 0, offers: 0, idle_since: T0, ...over };
}
