/**
 * The worker's JSON-lines logger (pino): ISO time, level names, `service` on every line (the
 * worker adds `node` through a child logger). Secrets are redacted by key wherever they appear up
 * to three levels deep, as a second line of defence: no code logs a message body, a header set,
 * a token, a password, an md5 credential, an api key or a credential hash in the first place.
 */
import { LOG_REDACT_PATHS, SECRET_LOG_KEYS } from '@qubicle/contracts';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config.js';

/** The redaction lists live in contracts so that both services redact the same keys. */
export { LOG_REDACT_PATHS, SECRET_LOG_KEYS };

export interface WorkerLoggerOptions {
  level: LogLevel;
  /** default 'recipient-worker' */
  service?: string;
}

/** `destination`: where the lines go (default stdout); tests pass a stream that keeps them. */
export function createWorkerLogger(opts: WorkerLoggerOptions, destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.service ?? 'recipient-worker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
