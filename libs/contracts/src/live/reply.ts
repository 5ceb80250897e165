import type { ValidationDetails } from '../errors.js';
import { validator } from '../schema.js';

/** Why a client message was refused (`data.code` of an error reply). */
export const LIVE_ERROR_CODES = [
  'invalid_message',
  'unauthorized',
  'forbidden',
  'unsupported_binding',
  'too_many_subscriptions',
  'unavailable',
  'timeout',
  'internal',
] as const;
export type LiveErrorCode = (typeof LIVE_ERROR_CODES)[number];

/** subscribe → `{subscribed}`, unsubscribe → `{unsubscribed}`, ping → `{response:"pong"}`. */
export type LiveReplySuccessData = { subscribed: string[] } | { unsubscribed: string[] } | { response: 'pong' };

/** blackhole's error data is `{errors: [...]}`; `code` and `details` are ours. */
export interface LiveReplyErrorData {
  errors: string[];
  code: LiveErrorCode;
  details?: ValidationDetails;
}

/**
 * Server → client: the answer to each client message, KAZOO blackhole's shape
 * (`{"action":"reply","request_id":…,"status":"success"|"error","data":{…}}`). `request_id` is the
 * client's, omitted when the client sent none (or sent something that is not JSON).
 */
export type LiveReply =
  | { action: 'reply'; request_id?: string; status: 'success'; data: LiveReplySuccessData }
  | { action: 'reply'; request_id?: string; status: 'error'; data: LiveReplyErrorData };

export const liveReplySchema = {
  type: 'object',
  required: ['action', 'status', 'data'],
  properties: {
    action: { const: 'reply' },
    request_id: { type: 'string' },
    status: { enum: ['success', 'error'] },
    data: { type: 'object' },
  },
  additionalProperties: false,
  if: { properties: { status: { const: 'error' } } },
  then: {
    properties: {
      data: {
        type: 'object',
        required: ['errors', 'code'],
        properties: { errors: { type: 'array', items: { type: 'string' } }, code: { enum: [...LIVE_ERROR_CODES] }, details: { type: 'object' } },
        additionalProperties: false,
      },
    },
  },
  else: {
    properties: {
      data: {
        oneOf: [
          { type: 'object', required: ['subscribed'], properties: { subscribed: { type: 'array', items: { type: 'string' } } }, additionalProperties: false },
          { type: 'object', required: ['unsubscribed'], properties: { unsubscribed: { type: 'array', items: { type: 'string' } } }, additionalProperties: false },
          { type: 'object', required: ['response'], properties: { response: { const: 'pong' } }, additionalProperties: false },
        ],
      },
    },
  },
};

export const validateLiveReply = validator<LiveReply>(liveReplySchema);
