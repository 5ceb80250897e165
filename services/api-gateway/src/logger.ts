/**
 * The gateway's JSON-lines logger (pino): ISO time, level names, `service` and `node` on every
 * line. Secrets are redacted by key wherever they appear up to three levels deep, as a second line
 * of defence: no code logs a request body, the request headers, a token, a password, an md5
 * credential or an api key in the first place (the access line has method, route, status,
 * duration_ms and request_id only).
 */
import { LOG_REDACT_PATHS, SECRET_LOG_KEYS } from '@qubicle/contracts';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config.js';

/** The redaction lists live in contracts so that both services redact the same keys. */
export { LOG_REDACT_PATHS, SECRET_LOG_KEYS };

export interface GatewayLoggerOptions {
  level: LogLevel;
  node: string;
  /** default 'api-gateway' */
  service?: string;
}

/** `destination`: where the lines go (default stdout); tests pass a stream that keeps them. */
export function createGatewayLogger(opts: GatewayLoggerOptions, destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.service ?? 'api-gateway', node: opts.node },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
