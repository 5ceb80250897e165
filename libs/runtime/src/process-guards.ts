/**
 * The ONE place where an error outside every handler is contained: an exception nobody caught (a
 * timer, an event listener, a library callback) or a promise rejection nobody handled. Node ends
 * the process on either by default, and with it every logged-in recipient's actor, every
 * websocket and every in-flight request of that process (issue 11: one request made prom-client
 * throw in a timer and the worker died, and its successor too on the redelivery).
 *
 * Installed first thing by the gateway's main, the worker's main and the embedded starter (never
 * by a library, never in tests' processes: mocha has its own handlers). Each fault is logged at
 * error level with its stack and counted (`onFault`, e.g. a Prometheus counter); the process goes
 * on serving. What failed was outside any request, so no client is waiting for an answer; a fault
 * that keeps repeating shows in the counter and the log, which is where an operator looks.
 */

/** What a fault is reported to (a pino logger fits). */
export interface FaultLogger {
  error(obj: object, msg: string): void;
}

export type ProcessFaultKind = 'uncaught_exception' | 'unhandled_rejection';
export const PROCESS_FAULT_KINDS: readonly ProcessFaultKind[] = ['uncaught_exception', 'unhandled_rejection'];

export interface ProcessGuardOptions {
  logger: FaultLogger;
  /** Called once per fault (count it in a metric); must not throw (if it does, that is swallowed). */
  onFault?: (kind: ProcessFaultKind) => void;
}

export interface ProcessGuards {
  /** Faults contained since install, by kind. */
  readonly counts: Readonly<Record<ProcessFaultKind, number>>;
  /** Removes the handlers (tests; a process keeps them for its lifetime). */
  uninstall(): void;
}

let installed: ProcessGuards | undefined;

/** Installs the handlers once per process (a second call returns the first installation). */
export function installProcessGuards(opts: ProcessGuardOptions): ProcessGuards {
  if (installed) return installed;
  const counts: Record<ProcessFaultKind, number> = { uncaught_exception: 0, unhandled_rejection: 0 };
  const report = (kind: ProcessFaultKind, err: unknown, extra: Record<string, unknown>) => {
    counts[kind]++;
    try {
      opts.logger.error({ err, fault: kind, ...extra }, `${kind.replace('_', ' ')} contained; the process goes on`);
    } catch {
      // a logger that throws must not turn one fault into a loop of them
    }
    try {
      opts.onFault?.(kind);
    } catch {
      // idem for the metric
    }
  };
  const onException = (err: Error, origin: string) => report('uncaught_exception', err, { origin });
  const onRejection = (reason: unknown) => report('unhandled_rejection', reason, {});
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  const guards: ProcessGuards = {
    counts,
    uninstall() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
      if (installed === guards) installed = undefined;
    },
  };
  installed = guards;
  return guards;
}
