/**
 * The tie-break every router falls back to, so equal figures never depend on input order:
 * longest idle first (the member waiting longest for a call deserves it), then the recipient id
 * (lexicographic: a stable, arbitrary but reproducible last resort).
 */
import type { Candidate } from './types.js';

export function byIdleThenId(a: Candidate, b: Candidate): number {
  return a.idle_since - b.idle_since || byId(a, b);
}

export function byId(a: Candidate, b: Candidate): number {
  return a.recipient_id < b.recipient_id ? -1 : a.recipient_id > b.recipient_id ? 1 : 0;
}

/** The ids of `candidates` sorted by `compare` (the input is not touched). */
export function orderBy(candidates: readonly Candidate[], compare: (a: Candidate, b: Candidate) => number): string[] {
  return [...candidates].sort(compare).map((c) => c.recipient_id);
}
