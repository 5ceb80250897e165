import { KAZOO_ID_PATTERN } from '../ids.js';
import { liveBindingSchema } from './binding.js';
import { liveAuthTokenSchema, liveRequestIdSchema, LIVE_MAX_BINDINGS_PER_MESSAGE } from './subscribe.js';

/**
 * Client → server: unsubscribe (KAZOO blackhole). With `data.binding`/`bindings`: those bindings;
 * without data (or without an account_id, as blackhole does it): every subscription of the connection.
 */
export interface LiveUnsubscribeRequest {
  action: 'unsubscribe';
  auth_token?: string;
  request_id?: string;
  data?: {
    account_id?: string;
    binding?: string;
    bindings?: string[];
  };
}

export const liveUnsubscribeRequestSchema = {
  type: 'object',
  required: ['action'],
  properties: {
    action: { const: 'unsubscribe' },
    auth_token: liveAuthTokenSchema,
    request_id: liveRequestIdSchema,
    data: {
      type: 'object',
      properties: {
        account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
        binding: liveBindingSchema,
        bindings: { type: 'array', minItems: 1, maxItems: LIVE_MAX_BINDINGS_PER_MESSAGE, items: liveBindingSchema },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};
