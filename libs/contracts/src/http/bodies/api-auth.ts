import { validator } from '../../schema.js';
import { requestEnvelopeSchema, type RequestEnvelope } from '../request-envelope.js';

/** PUT /v2/api_auth {"data":{"api_key":"..."}}: the account's api key (secret). */
export interface ApiAuth {
  api_key: string;
}
export const apiAuthDataSchema = {
  type: 'object',
  required: ['api_key'],
  properties: { api_key: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', secret: true } },
};
export const validateApiAuthBody = validator<RequestEnvelope<ApiAuth>>(requestEnvelopeSchema(apiAuthDataSchema));
