/**
 * Any thrown value → the Crossbar error it is reported as. Typed errors (QubicleFailure from
 * contracts, TransportError from the bus) map by code; anything else is a 500 whose details
 * stay in the log.
 */
import { HTTP_STATUS_OF, QubicleFailure, crossbarMessageOf, type QubicleError } from '@qubicle/contracts';
import { isTransportError, type TransportError } from '@qubicle/transport';

export interface MappedError {
  status: number;
  /** the envelope's top-level `message` */
  message: string;
  /** the envelope's `data` */
  data: Record<string, unknown>;
  /** the QubicleError code, for logs and metrics */
  code: string;
  /** true when the cause is ours (logged at error level with its stack) */
  unexpected: boolean;
  /** seconds, sent as the Retry-After header (429) */
  retryAfter?: number;
}

/** Failures raised by the gateway itself (not by a worker). */
export const failures = {
  invalidData: (details: Extract<QubicleError, { code: 'invalid_data' }>['details']) =>
    new QubicleFailure({ code: 'invalid_data', message: 'invalid data', details }),
  invalidJson: (message: string) => new QubicleFailure({ code: 'invalid_json', message }),
  unauthorized: (message = 'invalid credentials') => new QubicleFailure({ code: 'unauthorized', message }),
  forbidden: (message: string) => new QubicleFailure({ code: 'forbidden', message }),
  badIdentifier: (cause: string) => new QubicleFailure({ code: 'not_found', message: 'bad identifier', cause }),
  unknownRoute: () => new QubicleFailure({ code: 'not_found', message: 'not found', cause: 'unknown_route' }),
  methodNotAllowed: () => new QubicleFailure({ code: 'method_not_allowed', message: 'method not allowed' }),
  payloadTooLarge: (limit: number) =>
    new QubicleFailure({ code: 'payload_too_large', message: `request body larger than ${limit} bytes` }),
  unavailable: (message: string) => new QubicleFailure({ code: 'unavailable', message }),
  timeout: (message: string) => new QubicleFailure({ code: 'timeout', message }),
  tooManyRequests: (message: string, retryAfterSeconds: number) =>
    new QubicleFailure({ code: 'too_many_requests', message, retry_after: retryAfterSeconds }),
  internal: (message: string) => new QubicleFailure({ code: 'internal', message }),
};

/** TransportError → the QubicleError the client sees: timeout 504, everything else 503. */
export function transportFailure(err: TransportError): QubicleFailure {
  return err.kind === 'timeout'
    ? failures.timeout('no worker answered in time')
    : failures.unavailable(`message bus ${err.kind === 'closed' ? 'closed' : 'unavailable'}`);
}

/** Fields of a QubicleError safe and useful to show in `data` (besides message and code). */
const PUBLIC_FIELDS = ['cause', 'state', 'command', 'feature', 'recipient_id', 'retry_after'] as const;

function fromQubicleError(err: QubicleError): MappedError {
  const status = HTTP_STATUS_OF[err.code] ?? 500;
  if (err.code === 'invalid_data') {
    return { status, message: crossbarMessageOf(err), data: { ...(err.details ?? {}) }, code: err.code, unexpected: false };
  }
  if (err.code === 'internal' || err.code === 'shard_mismatch' || err.code === 'misrouted') {
    // never leak internals to the client; the log has them
    return { status, message: 'internal error', data: { message: 'internal error' }, code: err.code, unexpected: true };
  }
  const data: Record<string, unknown> = { message: err.message, code: err.code };
  for (const f of PUBLIC_FIELDS) {
    const v = (err as unknown as Record<string, unknown>)[f];
    if (v !== undefined) data[f] = v;
  }
  const message = err.code === 'not_found' && err.cause === 'unknown_route' ? 'not found' : crossbarMessageOf(err);
  const mapped: MappedError = { status, message, data, code: err.code, unexpected: false };
  if (err.code === 'too_many_requests') mapped.retryAfter = err.retry_after;
  return mapped;
}

/** http-errors style errors (status/expose), e.g. thrown by koa or the router. */
function httpErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const s = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : undefined;
}

export function mapError(err: unknown): MappedError {
  if (err instanceof QubicleFailure) return fromQubicleError(err.error);
  if (isTransportError(err)) return fromQubicleError(transportFailure(err).error);
  const status = httpErrorStatus(err);
  if (status !== undefined && status < 500) {
    const expose = (err as { expose?: unknown }).expose === true;
    const message = expose && err instanceof Error ? err.message : 'bad request';
    return { status, message, data: { message }, code: `http_${status}`, unexpected: false };
  }
  return { status: 500, message: 'internal error', data: { message: 'internal error' }, code: 'internal', unexpected: true };
}
