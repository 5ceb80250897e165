/**
 * Why a bus operation failed.
 *
 * - `timeout`      the RPC got no reply within `timeoutMs` (the request also expired in the broker).
 * - `unroutable`   nothing is bound to receive the message (no such queue): rejected at once.
 * - `disconnected` the bus has no broker connection right now, or lost it while the call was pending.
 * - `refused`      the broker refused the operation (e.g. 403 ACCESS_REFUSED for a second exclusive
 *                  consumer, 406 PRECONDITION_FAILED for a queue redeclared with other arguments).
 * - `closed`       the bus was closed by its owner.
 */
export type TransportErrorKind = 'timeout' | 'unroutable' | 'disconnected' | 'refused' | 'closed';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly kind: TransportErrorKind;

  constructor(kind: TransportErrorKind, message?: string, options?: { cause?: unknown }) {
    super(message ?? kind, options);
    this.kind = kind;
  }
}

export function isTransportError(err: unknown, kind?: TransportErrorKind): err is TransportError {
  return err instanceof TransportError && (kind === undefined || err.kind === kind);
}

/**
 * The broker refused to open the connection for a reason no retry can fix (wrong credentials, a
 * vhost that does not exist or that the user may not use: amqp/reply-codes.ts). The bus stops
 * trying; every pending and later operation fails with this error, and the process should exit
 * with `message` (it names the user and the vhost, never the password).
 */
export class FatalConnectionError extends Error {
  override readonly name = 'FatalConnectionError';
  constructor(
    message: string,
    readonly replyCode: number,
    readonly user: string,
    readonly vhost: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isFatalConnectionError(err: unknown): err is FatalConnectionError {
  return err instanceof FatalConnectionError;
}
