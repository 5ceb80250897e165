/**
 * The day's figures and the service level (docs/queues.md, "Stats and service level"). Every
 * function here edits a stats object the draft already copied (QueueDraft.stats()).
 */
import { addServiceLevelCounts, emptyServiceLevelCounts, waitBucketOf, type QueueLeaveReason, type ServiceLevelCounts } from '@qubicle/contracts';
import type { QueuedSession, QueueStatsState } from './types.js';

/** The rolling window of the service level: the current minute and the 14 before it. */
export const ROLLING_WINDOW_MINUTES = 15;
const MINUTE_MS = 60_000;

export function freshStats(dayStart: number, ewma: number | null = null, minutes: QueueStatsState['minutes'] = []): QueueStatsState {
  return {
    day_start: dayStart,
    total_sessions: 0,
    missed_sessions: 0,
    abandoned_sessions: 0,
    left_sessions: 0,
    total_wait_ms: 0,
    ewma_wait_ms: ewma,
    day: emptyServiceLevelCounts(),
    minutes,
  };
}

/** A copy a transition may edit (the counters' arrays and the minute slots are copied too). */
export function cloneStats(s: QueueStatsState): QueueStatsState {
  return {
    day_start: s.day_start,
    total_sessions: s.total_sessions,
    missed_sessions: s.missed_sessions,
    abandoned_sessions: s.abandoned_sessions,
    left_sessions: s.left_sessions,
    total_wait_ms: s.total_wait_ms,
    ewma_wait_ms: s.ewma_wait_ms,
    day: cloneCounts(s.day),
    minutes: s.minutes.map((m) => ({ minute: m.minute, counts: cloneCounts(m.counts) })),
  };
}

function cloneCounts(c: ServiceLevelCounts): ServiceLevelCounts {
  return { ...c, answered_buckets: c.answered_buckets.slice(), abandoned_buckets: c.abandoned_buckets.slice() };
}

/** The day moved on: its figures start again (the estimate and the rolling window go on). */
export function isNewDay(stats: QueueStatsState, dayStart: number): boolean {
  return dayStart > stats.day_start;
}

/** Applies `change` to the day's counters and to the current minute's (slots older than the window dropped). */
function countServiceLevel(stats: QueueStatsState, now: number, change: (c: ServiceLevelCounts) => void): void {
  change(stats.day);
  const minute = Math.floor(now / MINUTE_MS);
  stats.minutes = stats.minutes.filter((m) => m.minute > minute - ROLLING_WINDOW_MINUTES);
  let slot = stats.minutes.find((m) => m.minute === minute);
  if (!slot) {
    slot = { minute, counts: emptyServiceLevelCounts() };
    stats.minutes.push(slot);
  }
  change(slot.counts);
}

/** The service-level counters of the rolling window at `now`. */
export function rollingCounts(stats: QueueStatsState, now: number): ServiceLevelCounts {
  const minute = Math.floor(now / MINUTE_MS);
  return stats.minutes.filter((m) => m.minute > minute - ROLLING_WINDOW_MINUTES && m.minute <= minute).reduce((sum, m) => addServiceLevelCounts(sum, m.counts), emptyServiceLevelCounts());
}

export function noteJoined(stats: QueueStatsState): void {
  stats.total_sessions += 1;
}

export function noteMissed(stats: QueueStatsState): void {
  stats.missed_sessions += 1;
}

export function noteTurnedAway(stats: QueueStatsState, now: number): void {
  countServiceLevel(stats, now, (c) => {
    c.turned_away += 1;
  });
}

/** A caller left the queue: the average wait, the abandoned count, the service level, the estimate. */
export function noteLeave(stats: QueueStatsState, session: QueuedSession, reason: QueueLeaveReason, now: number, thresholdSeconds: number): void {
  const wait = Math.max(0, now - session.entered_at);
  stats.left_sessions += 1;
  stats.total_wait_ms += wait;
  const within = wait <= thresholdSeconds * 1000;
  const bucket = waitBucketOf(wait);
  switch (reason) {
    case 'delivered':
      // Asterisk's holdtime: new = (3 × old + sample) / 4
      stats.ewma_wait_ms = stats.ewma_wait_ms === null ? wait : (3 * stats.ewma_wait_ms + wait) / 4;
      return countServiceLevel(stats, now, (c) => {
        c.answered += 1;
        if (within) c.answered_within += 1;
        c.answered_buckets[bucket]! += 1;
      });
    case 'abandoned':
      stats.abandoned_sessions += 1;
      return countServiceLevel(stats, now, (c) => {
        c.abandoned += 1;
        if (within) c.abandoned_within += 1;
        c.abandoned_buckets[bucket]! += 1;
      });
    case 'timed_out':
    case 'redirected':
      return countServiceLevel(stats, now, (c) => {
        c.timed_out += 1;
      });
    case 'exited':
      return;
  }
}
