import { liveAuthTokenSchema, liveRequestIdSchema } from './subscribe.js';

/** Client → server: ping (KAZOO blackhole); answered `{"action":"reply","status":"success","data":{"response":"pong"}}`. */
export interface LivePingRequest {
  action: 'ping';
  auth_token?: string;
  request_id?: string;
}

export const livePingRequestSchema = {
  type: 'object',
  required: ['action'],
  properties: {
    action: { const: 'ping' },
    auth_token: liveAuthTokenSchema,
    request_id: liveRequestIdSchema,
    data: { type: 'object', maxProperties: 0 },
  },
  additionalProperties: false,
};
