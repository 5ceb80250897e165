import { KAZOO_ID_PATTERN } from '../../ids.js';
import { accountIdProperty, directorySchema } from './directory-base.js';
import { TOKEN_ID_MAX_LENGTH } from './token-revoke.js';

/**
 * Is a token that verified (signature, expiry) still good? Asked by a gateway the first time it
 * sees a token (it just restarted, or another gateway issued it), after its bus reconnected, and
 * at most every AUTH_TOKEN_RECHECK_MS for a token it keeps using. The directory answers from the
 * store: the account exists, the token was not deleted (`token_revoke`), and for a user token the
 * user exists, is enabled, has not been made less than what the token says (an admin token of a
 * user who is no longer an admin) and the user's `token_generation` is not above the token's.
 * Reply: TokenCheck.
 */
export interface TokenCheckRequest {
  type: 'token_check';
  account_id: string;
  /** The token's owner_id; absent for api_auth tokens (the account itself). */
  user_id?: string;
  /** The token's jti. */
  token_id: string;
  /** The token's `gen` claim (0 when absent: tokens issued before generations existed). */
  token_generation: number;
  priv_level: 'admin' | 'user';
}
export const tokenCheckRequestSchema = directorySchema(
  'token_check',
  {
    ...accountIdProperty,
    user_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    token_id: { type: 'string', minLength: 1, maxLength: TOKEN_ID_MAX_LENGTH },
    token_generation: { type: 'integer', minimum: 0 },
    priv_level: { enum: ['admin', 'user'] },
  },
  ['account_id', 'token_id', 'token_generation', 'priv_level'],
);

/** Why a token is no longer good (for the gateway's logs and metrics; never shown to the client). */
export const TOKEN_INVALID_REASONS = [
  'account_deleted',
  'token_deleted',
  'user_deleted',
  'user_disabled',
  'user_demoted',
  'token_superseded',
] as const;
export type TokenInvalidReason = (typeof TOKEN_INVALID_REASONS)[number];

export type TokenCheck = { valid: true } | { valid: false; reason: TokenInvalidReason };

export type TokenCheckReply = TokenCheck;
export const tokenCheckReplySchema = {
  type: 'object',
  required: ['valid'],
  properties: { valid: { type: 'boolean' }, reason: { enum: [...TOKEN_INVALID_REASONS] } },
  if: { properties: { valid: { const: false } } },
  then: { required: ['reason'] },
} as const;
