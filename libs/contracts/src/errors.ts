/**
 * Errors are data with stable codes. A worker puts one in an RPC reply; the gateway
 * rebuilds it and maps it to a Crossbar error envelope. Codes never change meaning.
 */

/** data.<field>.<rule>.{message, cause?} as Crossbar reports validation failures. */
export type ValidationDetails = Record<string, Record<string, { message: string; cause?: unknown; target?: unknown }>>;

export type QubicleError =
  /** The request or message does not match its contract; `details` name every bad field (Crossbar's data.<field>.<rule>). Fix the request. */
  | { code: 'invalid_data'; message: string; details: ValidationDetails }
  /** The HTTP body is not JSON. Fix the request. */
  | { code: 'invalid_json'; message: string }
  /** A bus message that is not JSON or does not match its contract (the worker's answer to a bad RPC). Fix the sender. */
  | { code: 'invalid_message'; message: string; details?: ValidationDetails }
  /** No, or bad, credentials or token. Authenticate again. */
  | { code: 'unauthorized'; message: string }
  /** Authenticated, but not allowed to do this (role, account, or a bus sender whose role may not send it). */
  | { code: 'forbidden'; message: string }
  /** No such account, user, recipient, session or route; `cause` says which. */
  | { code: 'not_found'; message: string; cause?: string }
  /** The recipient must be logged in for this (monitor target, a logged-out recipient's command). */
  | { code: 'not_logged_in'; message: string; recipient_id?: string }
  /** The command is not allowed in the recipient's current `state` (e.g. answer without an offer). Nothing changed. */
  | { code: 'invalid_transition'; message: string; state: string; command: string }
  /** The account lacks the `feature` this needs (monitor needs Callcenter Pro). */
  | { code: 'feature_disabled'; message: string; feature: string }
  /** A write lost a race: a revision that no longer matches, a name taken. Re-read, then decide. */
  | { code: 'conflict'; message: string; cause?: string }
  /** An Idempotency-Key used again with another request body (the first request's answer stands). */
  | { code: 'idempotency_key_reused'; message: string }
  /** The HTTP body is larger than the gateway takes. */
  | { code: 'payload_too_large'; message: string }
  /** Too many failed logins (rate limit of user_auth / api_auth): retry after `retry_after` seconds (also the Retry-After header). */
  | { code: 'too_many_requests'; message: string; retry_after: number }
  /** The HTTP method is not one this route takes. */
  | { code: 'method_not_allowed'; message: string }
  /**
   * The command was routed with another shard count (`got`) than the cluster's (`expected`):
   * nothing ran. A client re-sends it ONCE with the cluster's count (@qubicle/client does);
   * re-sending it unchanged fails the same way.
   */
  | { code: 'shard_mismatch'; message: string; expected: number; got: number }
  /**
   * The command reached a shard queue that does not serve its recipient although its shard count
   * is right: the sender computed the shard, or named the queue, wrongly (a routing bug, e.g. a
   * hash that is not `shardOf`). Nothing ran. Never retried: the same message would land on the
   * same wrong queue again, for ever (answered `unavailable` before, which callers retry).
   */
  | { code: 'misrouted'; message: string }
  /** No answer in time (the bus's reply timeout, or the worker's own deadline). The command may or may not have run: re-send it with the same command_id. */
  | { code: 'timeout'; message: string }
  /** Nothing ran, for now: the bus is down, the store does not answer, the shard is moving between nodes. Re-send (same command_id) after a back-off. */
  | { code: 'unavailable'; message: string }
  /** A bug or an unexpected failure on our side (details are in the log, never in the answer). */
  | { code: 'internal'; message: string };

export type ErrorCode = QubicleError['code'];

/** HTTP status of each code (Crossbar puts it, as a string, in the envelope's `error`). */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  invalid_data: 400,
  invalid_json: 400,
  invalid_message: 400,
  unauthorized: 401,
  forbidden: 403,
  feature_disabled: 403,
  not_found: 404,
  method_not_allowed: 405,
  not_logged_in: 409,
  invalid_transition: 409,
  conflict: 409,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  too_many_requests: 429,
  internal: 500,
  shard_mismatch: 500,
  // Our own routing fault, not the HTTP client's: a 500 "internal error" like shard_mismatch
  // (not 421 Misdirected Request, which tells an HTTP client to retry on another connection,
  // which cannot help it). The gateway shows neither's details.
  misrouted: 500,
  unavailable: 503,
  timeout: 504,
};

/**
 * THE answer to "is it worth sending this request again, unchanged (same command_id), after a
 * back-off?" Every caller that retries asks this table (isRetryable), nobody else decides.
 *
 * Only `timeout` and `unavailable`: nothing ran, or (timeout) it may have run and the same
 * command_id makes the re-send harmless. Not `too_many_requests` (wait `retry_after`, don't
 * retry at once), not `shard_mismatch` (re-sent once with the cluster's count, not unchanged),
 * not `misrouted` (the same routing bug again), not `conflict` (re-read first), not `internal`.
 */
export const RETRYABLE = {
  invalid_data: false,
  invalid_json: false,
  invalid_message: false,
  unauthorized: false,
  forbidden: false,
  feature_disabled: false,
  not_found: false,
  method_not_allowed: false,
  not_logged_in: false,
  invalid_transition: false,
  conflict: false,
  idempotency_key_reused: false,
  payload_too_large: false,
  too_many_requests: false,
  internal: false,
  shard_mismatch: false,
  misrouted: false,
  unavailable: true,
  timeout: true,
} as const satisfies Record<ErrorCode, boolean>;

/** The codes RETRYABLE says yes to. */
export type RetryableCode = { [C in ErrorCode]: (typeof RETRYABLE)[C] extends true ? C : never }[ErrorCode];

/** RETRYABLE[code]; false for a code that is not one of ours. */
export function isRetryable(code: string): code is RetryableCode {
  return Object.hasOwn(RETRYABLE, code) && RETRYABLE[code as ErrorCode];
}

/** A thrown value that is a QubicleFailure whose code is retryable (RETRYABLE). */
export function isRetryableFailure(err: unknown): err is QubicleFailure & { error: { code: RetryableCode } } {
  return err instanceof QubicleFailure && isRetryable(err.error.code);
}

export const ERROR_CODES = Object.keys(HTTP_STATUS_OF) as ErrorCode[];

/** Crossbar's top-level message for a code (KAZOO clients match some of these strings). */
export function crossbarMessageOf(err: QubicleError): string {
  switch (err.code) {
    case 'invalid_data':
      return 'invalid data';
    case 'invalid_json':
      return 'invalid request body';
    case 'unauthorized':
      return 'invalid credentials';
    case 'forbidden':
      return 'forbidden';
    case 'not_found':
      return 'bad identifier';
    case 'timeout':
      return 'timeout';
    case 'unavailable':
      return 'datastore unavailable';
    case 'too_many_requests':
      return 'too many requests';
    default:
      return err.message;
  }
}

export function isQubicleError(value: unknown): value is QubicleError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (value as { code: string }).code in HTTP_STATUS_OF &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Thrown inside a service, carried as data across RPC. */
export class QubicleFailure extends Error {
  constructor(readonly error: QubicleError) {
    super(error.message);
    this.name = 'QubicleFailure';
  }
}

export const fail = (error: QubicleError): never => {
  throw new QubicleFailure(error);
};
