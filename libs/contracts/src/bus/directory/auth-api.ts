import { authIdentitySchema, type AuthIdentity } from './auth-user.js';
import { apiAuthDataSchema } from '../../http/bodies/api-auth.js';
import { directorySchema } from './directory-base.js';

/** Check an account api key. Reply: AuthIdentity (admin, no owner). */
export interface AuthApiRequest {
  type: 'auth_api';
  api_key: string;
}
export const authApiRequestSchema = directorySchema('auth_api', { api_key: apiAuthDataSchema.properties.api_key }, ['api_key']);

/** Reply data: the account, as an admin without an owner. */
export type AuthApiReply = AuthIdentity;
export const authApiReplySchema = authIdentitySchema;
