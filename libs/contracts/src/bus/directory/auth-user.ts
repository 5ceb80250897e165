import { KAZOO_ID_PATTERN } from '../../ids.js';
import { userAuthDataSchema } from '../../http/bodies/user-auth.js';
import { directorySchema } from './directory-base.js';
import type { PrivLevel } from '../../directory/user-doc.js';

/** Check KAZOO user credentials (md5 of "username:password") in the named account. Reply: AuthIdentity. */
export interface AuthUserRequest {
  type: 'auth_user';
  credentials: string;
  account_name: string;
}
export const authUserRequestSchema = directorySchema(
  'auth_user',
  { credentials: userAuthDataSchema.properties.credentials, account_name: userAuthDataSchema.properties.account_name },
  ['credentials', 'account_name'],
);

/** Who a token acts for; the gateway signs it into the token. */
export interface AuthIdentity {
  account_id: string;
  account_name: string;
  owner_id?: string;
  priv_level: PrivLevel;
  /**
   * The user's token generation (signed into the token as `gen`): raised by every change that ends
   * the user's tokens (disabled, demoted, Qubicle permission removed), see `token_check`.
   * Absent = 0 (and for api_auth).
   */
  token_generation?: number;
}

export const authIdentitySchema = {
  type: 'object',
  required: ['account_id', 'account_name', 'priv_level'],
  properties: {
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    account_name: { type: 'string' },
    owner_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    priv_level: { enum: ['admin', 'user'] },
    token_generation: { type: 'integer', minimum: 0 },
  },
} as const;

/** Reply data: who the credentials are (an unknown user or a bad password is an error reply, unauthorized). */
export type AuthUserReply = AuthIdentity;
export const authUserReplySchema = authIdentitySchema;
