/**
 * A process that installs the guards, then faults outside every handler: an exception thrown in a
 * timer and a rejection nobody handles. Prints one JSON line per log line (stdout) and, at the end,
 * `{"alive":true,"counts":…,"metric":…}`: it must still be running to print that.
 */
import { installProcessGuards, type ProcessFaultKind } from '../../src/index.js';

const metric: Record<string, number> = {};
const guards = installProcessGuards({
  logger: { error: (obj, msg) => process.stdout.write(`${JSON.stringify({ msg, fault: (obj as { fault?: unknown }).fault, err: String((obj as { err?: unknown }).err) })}\n`) },
  onFault: (kind: ProcessFaultKind) => {
    metric[kind] = (metric[kind] ?? 0) + 1;
  },
});
setTimeout(() => {
  throw new Error('thrown in a timer');
}, 1);
setTimeout(() => void Promise.reject(new Error('rejected, never handled')), 2);
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ alive: true, counts: guards.counts, metric })}\n`);
}, 50);
