import { KAZOO_ID_PATTERN } from '../ids.js';
import { liveBindingSchema } from './binding.js';

/** Most bindings one subscribe message may carry. */
export const LIVE_MAX_BINDINGS_PER_MESSAGE = 32;
/** Most recipients one `resume` may name. */
export const LIVE_MAX_RESUME_ENTRIES = 5000;
/** Most queues one `resume_queues` may name. */
export const LIVE_MAX_RESUME_QUEUES = 1000;

/**
 * Client → server: subscribe (KAZOO blackhole). `binding` wins over `bindings` when both are
 * given, as in blackhole. `resume` (ours): the last `seq` the client holds per recipient, after a
 * reconnect; it gets what it missed instead of a snapshot of those recipients. `resume_queues`: the
 * same per queue (queue events' `seq`), for `qubicle.queue.…` bindings.
 *
 * ```json
 * {"action":"subscribe","auth_token":"…","request_id":"r1",
 *  "data":{"account_id":"…","binding":"qubicle.recipient.*","resume":{"<recipient_id>":1700000000000042}}}
 * ```
 */
export interface LiveSubscribeRequest {
  action: 'subscribe';
  /** Required on the first message of a connection; a later one may refresh it (same account). */
  auth_token?: string;
  request_id?: string;
  data: {
    account_id: string;
    binding?: string;
    bindings?: string[];
    resume?: Record<string, number>;
    resume_queues?: Record<string, number>;
    /** blackhole: a friendly name and metadata for the subscription (kept, not interpreted) */
    name?: string;
    metadata?: Record<string, unknown>;
  };
}

export const liveAuthTokenSchema = { type: 'string', minLength: 1, maxLength: 4096, secret: true } as const;
export const liveRequestIdSchema = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const liveSubscribeRequestSchema = {
  type: 'object',
  required: ['action', 'data'],
  properties: {
    action: { const: 'subscribe' },
    auth_token: liveAuthTokenSchema,
    request_id: liveRequestIdSchema,
    data: {
      type: 'object',
      required: ['account_id'],
      properties: {
        account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
        binding: liveBindingSchema,
        bindings: { type: 'array', minItems: 1, maxItems: LIVE_MAX_BINDINGS_PER_MESSAGE, items: liveBindingSchema },
        resume: {
          type: 'object',
          maxProperties: LIVE_MAX_RESUME_ENTRIES,
          propertyNames: { pattern: KAZOO_ID_PATTERN },
          additionalProperties: { type: 'integer', minimum: 0 },
        },
        resume_queues: {
          type: 'object',
          maxProperties: LIVE_MAX_RESUME_QUEUES,
          propertyNames: { pattern: KAZOO_ID_PATTERN },
          additionalProperties: { type: 'integer', minimum: 0 },
        },
        name: { type: 'string', maxLength: 128 },
        metadata: { type: 'object', maxProperties: 32 },
      },
      anyOf: [{ required: ['binding'] }, { required: ['bindings'] }],
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};
