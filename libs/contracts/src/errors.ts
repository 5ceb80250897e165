/**
 * Errors are data with stable codes. A worker puts one in an RPC reply; the gateway
 * rebuilds it and maps it to a Crossbar error envelope. Codes never change meaning.
 */

/** data.<field>.<rule>.{message, cause?} as Crossbar reports validation failures. */
export type ValidationDetails = Record<string, Record<string, { message: string; cause?: unknown; target?: unknown }>>;

export type QubicleError =
  | { code: 'invalid_data'; message: string; details: ValidationDetails }
  | { code: 'invalid_json'; message: string }
  | { code: 'invalid_message'; message: string; details?: ValidationDetails }
  | { code: 'unauthorized'; message: string }
  | { code: 'forbidden'; message: string }
  | { code: 'not_found'; message: string; cause?: string }
  | { code: 'not_logged_in'; message: string; recipient_id?: string }
  | { code: 'invalid_transition'; message: string; state: string; command: string }
  | { code: 'feature_disabled'; message: string; feature: string }
  | { code: 'conflict'; message: string; cause?: string }
  | { code: 'payload_too_large'; message: string }
  /** Too many failed logins (rate limit of user_auth / api_auth): retry after `retry_after` seconds (also the Retry-After header). */
  | { code: 'too_many_requests'; message: string; retry_after: number }
  | { code: 'method_not_allowed'; message: string }
  | { code: 'shard_mismatch'; message: string; expected: number; got: number }
  /**
   * The right shard count, but a shard queue that does not serve this recipient (its shard is
   * another one): a routing bug of the sender. Not retryable: the same message on the same queue
   * gets the same answer.
   */
  | { code: 'misrouted'; message: string }
  | { code: 'timeout'; message: string }
  | { code: 'unavailable'; message: string }
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
  payload_too_large: 413,
  too_many_requests: 429,
  internal: 500,
  shard_mismatch: 500,
  misrouted: 500,
  unavailable: 503,
  timeout: 504,
};

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
