/**
 * The JSON-lines logger (pino) of every process: ISO time, level names rather than numbers, the
 * fields of `base` (`service`, and `node` where the process names one) on every line. Secrets are
 * redacted by key (LOG_REDACT_PATHS, from contracts) up to three levels deep as a second line of
 * defence: no code logs a body, a header set, a token or a password in the first place.
 */
import { LOG_REDACT_PATHS } from '@qubicle/contracts';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './log-level.js';

export interface JsonLoggerOptions {
  level: LogLevel;
  /** fields of every line */
  base: Record<string, string>;
}

/** `destination`: where the lines go (default stdout); tests pass a stream that keeps them. */
export function createJsonLogger(opts: JsonLoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      level: opts.level,
      base: opts.base,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
