import { KAZOO_ID_PATTERN } from '../../ids.js';
import { TOKEN_ID_MAX_LENGTH } from '../directory/token-revoke.js';

/**
 * Broadcast by the directory on AUTH_EXCHANGE (routing key `auth.token_revoked`) once a deleted
 * token (DELETE /v2/token_auth, directory `token_revoke`) is recorded in the store: every gateway
 * refuses it from then on. Carries the jti, never the token.
 */
export interface TokenRevokedNotice {
  type: 'token_revoked';
  account_id: string;
  user_id?: string;
  token_id: string;
  /** The token's exp (ms since epoch): nobody needs to remember it past that. */
  expires_at: number;
  at: number;
}

export const tokenRevokedSchema = {
  type: 'object',
  required: ['type', 'account_id', 'token_id', 'expires_at', 'at'],
  properties: {
    type: { const: 'token_revoked' },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    user_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    token_id: { type: 'string', minLength: 1, maxLength: TOKEN_ID_MAX_LENGTH },
    expires_at: { type: 'integer', minimum: 0 },
    at: { type: 'number' },
  },
  additionalProperties: false,
};
