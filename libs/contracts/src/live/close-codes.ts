/**
 * Close codes of the event websocket (4000-4999 is the range RFC 6455 leaves to applications).
 * The close reason is the short text given here.
 */
export const LIVE_CLOSE_CODES = {
  /** The gateway is shutting down: reconnect (to any gateway) and resume. */
  going_away: 1001,
  /** A client message was larger than the limit (sent by the websocket library itself). */
  message_too_big: 1009,
  /** Unexpected server failure. */
  internal_error: 1011,
  /** The token the subscriptions were made with expired: sign in again, reconnect and resume. */
  token_expired: 4001,
  /** No successful subscribe within the first seconds of the connection. */
  auth_timeout: 4002,
  /** The token was ended (deleted, or its user deleted, disabled, demoted or no longer a recipient): sign in again. */
  token_revoked: 4003,
  /** The client did not read its events fast enough (send buffer over the limit). */
  slow_consumer: 4008,
  /** Too many client messages in a short time. */
  rate_limited: 4029,
} as const;

export type LiveCloseName = keyof typeof LIVE_CLOSE_CODES;

export const LIVE_CLOSE_REASONS: Record<LiveCloseName, string> = {
  going_away: 'server shutting down',
  message_too_big: 'message too big',
  internal_error: 'internal error',
  token_expired: 'token expired',
  auth_timeout: 'authentication timeout',
  token_revoked: 'token revoked',
  slow_consumer: 'slow consumer',
  rate_limited: 'too many messages',
};
