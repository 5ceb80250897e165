/**
 * The gateway's JSON-lines logger: the services' common pino set-up (libs/runtime: ISO time, level
 * names, secrets redacted by key up to three levels deep) with `service` and `node` on every line.
 * The redaction is a second line of defence: no code logs a request body, the request headers, a
 * token, a password, an md5 credential or an api key in the first place (the access line has
 * method, route, status, duration_ms and request_id only).
 */
import { LOG_REDACT_PATHS, SECRET_LOG_KEYS } from '@qubicle/contracts';
import { createJsonLogger, type LogLevel } from '@qubicle/runtime';
import type { DestinationStream, Logger as PinoLogger } from 'pino';

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
  return createJsonLogger({ level: opts.level, base: { service: opts.service ?? 'api-gateway', node: opts.node } }, destination);
}
