import { KAZOO_ID_PATTERN } from '../../ids.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** Longest jti accepted (ours are UUIDs). */
export const TOKEN_ID_MAX_LENGTH = 128;

/**
 * DELETE /v2/token_auth (KAZOO's log-out): the token's jti is recorded as deleted in the store until
 * the token expires (so a gateway that restarts, or never saw the token, still refuses it), then
 * `token_revoked` is broadcast on AUTH_EXCHANGE (every gateway forgets it within a moment).
 * Idempotent. Reply: TokenRevoked.
 */
export interface TokenRevokeRequest {
  type: 'token_revoke';
  account_id: string;
  /** The token's owner_id; absent for api_auth tokens. */
  user_id?: string;
  token_id: string;
  /** The token's exp, in ms since epoch: the record is kept until then. */
  expires_at: number;
}
export const tokenRevokeRequestSchema = directorySchema(
  'token_revoke',
  {
    ...accountIdProperty,
    user_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    token_id: { type: 'string', minLength: 1, maxLength: TOKEN_ID_MAX_LENGTH },
    expires_at: { type: 'integer', minimum: 0 },
  },
  ['account_id', 'token_id', 'expires_at'],
);

export interface TokenRevoked {
  revoked: true;
}

export type TokenRevokeReply = TokenRevoked;
export const tokenRevokeReplySchema = {
  type: 'object',
  required: ['revoked'],
  properties: { revoked: { const: true } },
} as const;
