/**
 * The run's timers, in one set so that finishing a run can clear every one still pending.
 * `later` fires its callback only while the run is not finished: a timer that was already
 * due when the run ended must not act on a torn-down run.
 */
export function runTimers(isFinished: () => boolean): { timers: Set<NodeJS.Timeout>; later: (ms: number, fn: () => void) => NodeJS.Timeout } {
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!isFinished()) fn();
    }, ms);
    timers.add(t);
    return t;
  };
  return { timers, later };
}
