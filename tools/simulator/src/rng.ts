/**
 * Deterministic randomness for the simulator. Every decision is a pure function of the seed
 * and of WHAT is decided (call number, offer attempt, what for), never of how many random
 * numbers were drawn before: the same seed gives the same decisions for the same call however
 * the run's timing interleaves the calls.
 */

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32 finaliser: a well-mixed 32-bit value of a 32-bit state. */
function mix(state: number): number {
  let t = (state + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** A number in [0, 1) decided by `seed` and the parts naming the decision. */
export function decide(seed: number, ...parts: Array<string | number>): number {
  return mix(fnv1a(`${seed}|${parts.join('|')}`)) / 4294967296;
}

export type Outcome = 'answer' | 'reject' | 'abandon' | 'timeout';

/** What happens to an offer: answer, reject, the caller abandons, or nobody picks up (timeout). */
export function outcomeOf(u: number, p: { answer: number; reject: number; abandon: number }): Outcome {
  if (u < p.answer) return 'answer';
  if (u < p.answer + p.reject) return 'reject';
  if (u < p.answer + p.reject + p.abandon) return 'abandon';
  return 'timeout';
}
