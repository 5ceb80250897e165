/**
 * The worker's JSON-lines logger: the services' common pino set-up (libs/runtime: ISO time, level
 * names, secrets redacted by key up to three levels deep) with `service` on every line (the worker
 * adds `node` through a child logger). The redaction is a second line of defence: no code logs a
 * message body, a header set, a token, a password, an md5 credential, an api key or a credential
 * hash in the first place.
 */
import { LOG_REDACT_PATHS, SECRET_LOG_KEYS } from '@qubicle/contracts';
import { createJsonLogger, type LogLevel } from '@qubicle/runtime';
import type { DestinationStream, Logger as PinoLogger } from 'pino';

/** The redaction lists live in contracts so that both services redact the same keys. */
export { LOG_REDACT_PATHS, SECRET_LOG_KEYS };

export interface WorkerLoggerOptions {
  level: LogLevel;
  /** default 'recipient-worker' */
  service?: string;
}

/** `destination`: where the lines go (default stdout); tests pass a stream that keeps them. */
export function createWorkerLogger(opts: WorkerLoggerOptions, destination?: DestinationStream): PinoLogger {
  return createJsonLogger({ level: opts.level, base: { service: opts.service ?? 'recipient-worker' } }, destination);
}
