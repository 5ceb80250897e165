import { validator } from '../../schema.js';
import { requestEnvelopeSchema, type RequestEnvelope } from '../request-envelope.js';

/** PUT /v2/user_auth: credentials = md5("username:password"), as KAZOO's clients send it. */
export interface UserAuth {
  credentials: string;
  account_name: string;
  method?: 'md5';
}
export const userAuthDataSchema = {
  type: 'object',
  required: ['credentials', 'account_name'],
  properties: {
    credentials: { type: 'string', pattern: '^[0-9a-fA-F]{32}$', secret: true },
    account_name: { type: 'string', minLength: 1, maxLength: 128 },
    method: { const: 'md5' },
  },
};
export const validateUserAuthBody = validator<RequestEnvelope<UserAuth>>(requestEnvelopeSchema(userAuthDataSchema));
