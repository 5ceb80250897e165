/**
 * The start of "the day" of a queue's figures (ctx.day_start of the queue machine): local midnight
 * in the account's timezone, UTC unless the account names one (KAZOO accounts carry an IANA
 * `timezone`). Kept out of the machine so that it stays free of clocks and time-zone data; the
 * queue's actor calls it with its clock's time.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // throws RangeError for an unknown zone: callers validate the account's setting once
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of `t` in `timeZone`. */
function wallClock(t: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterOf(timeZone).formatToParts(t)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts['year']!, m: parts['month']!, d: parts['day']!, h: parts['hour']!, min: parts['minute']!, s: parts['second']! };
}

/** ms to add to a UTC instant to get its wall clock in `timeZone`, at `t`. */
function offsetAt(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - (t - (((t % 1000) + 1000) % 1000));
}

/** True when a zone name is one this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * ms since epoch of the first instant of the local day that contains `now` in `timeZone`. On a
 * day whose midnight does not exist (a DST jump at 00:00), the day starts when the clock shows its
 * first time of that day (e.g. 01:00).
 */
export function dayStartOf(now: number, timeZone = 'UTC'): number {
  if (timeZone === 'UTC') return now - (((now % 86_400_000) + 86_400_000) % 86_400_000);
  const { y, m, d } = wallClock(now, timeZone);
  const midnightAsUtc = Date.UTC(y, m - 1, d);
  // two passes: the offset at local midnight may differ from the offset now (a DST change today)
  let t = midnightAsUtc - offsetAt(midnightAsUtc, timeZone);
  t = midnightAsUtc - offsetAt(t, timeZone);
  // midnight skipped by a DST jump (offsets differ by whole hours there): we landed on the evening
  // before; the day starts an hour later, at the first time its clock shows (01:00)
  for (let i = 0; i < 3; i++) {
    const w = wallClock(t, timeZone);
    if (w.y === y && w.m === m && w.d === d) break;
    t += 3_600_000;
  }
  return t;
}
