import { validator } from '../schema.js';
import { livePingRequestSchema, type LivePingRequest } from './ping.js';
import { liveSubscribeRequestSchema, type LiveSubscribeRequest } from './subscribe.js';
import { liveUnsubscribeRequestSchema, type LiveUnsubscribeRequest } from './unsubscribe.js';

/** Everything a client may send on the event websocket. */
export type LiveClientMessage = LiveSubscribeRequest | LiveUnsubscribeRequest | LivePingRequest;
export type LiveAction = LiveClientMessage['action'];

export const LIVE_CLIENT_MESSAGE_SCHEMAS: Record<LiveAction, object> = {
  subscribe: liveSubscribeRequestSchema,
  unsubscribe: liveUnsubscribeRequestSchema,
  ping: livePingRequestSchema,
};
export const LIVE_ACTIONS = Object.keys(LIVE_CLIENT_MESSAGE_SCHEMAS) as LiveAction[];

export const liveClientMessageSchema = {
  type: 'object',
  required: ['action'],
  properties: { action: { enum: LIVE_ACTIONS } },
  allOf: LIVE_ACTIONS.map((a) => ({
    if: { properties: { action: { const: a } }, required: ['action'] },
    then: LIVE_CLIENT_MESSAGE_SCHEMAS[a],
  })),
};

export const validateLiveClientMessage = validator<LiveClientMessage>(liveClientMessageSchema);
