/**
 * `join_queue` (KAZOO: kapi.qubicle_session.join_queue): the callflow puts the session it created
 * into a queue. The reply is ok (the caller waits in that queue, or in its overflow queue when it
 * timed out at the door and the queue has `timeout_redirect`) or failed with a reason; KAZOO
 * waits 10 s for it and falls through to the next callflow step on a failure (cf_qubicle.erl).
 * `Priority` is ours (KAZOO's callflow does not send it): 0..10, higher served first.
 */
import { KAZOO_ID_PATTERN } from '../ids.js';
import { validator } from '../schema.js';
import { callerPrioritySchema } from './caller-priority.js';
import { kazooCallMessageProperties, sessionIdSchema, sessionReplySchema, type KazooCallMessage, type SessionReplyFailure } from './kazoo-message.js';

export interface JoinQueueMessage extends KazooCallMessage {
  'Join-Queue-ID': string;
  'Session-ID': string;
  Priority?: number;
}

export const joinQueueMessageSchema = {
  type: 'object',
  required: ['Account-ID', 'Call', 'Call-ID', 'Join-Queue-ID', 'Session-ID'],
  properties: {
    ...kazooCallMessageProperties,
    'Join-Queue-ID': { type: 'string', pattern: KAZOO_ID_PATTERN },
    'Session-ID': sessionIdSchema,
    Priority: callerPrioritySchema,
  },
};
export const validateJoinQueueMessage = validator<JoinQueueMessage>(joinQueueMessageSchema);

/**
 * Why a join is refused:
 * - `unknown_queue`: no such queue in the account;
 * - `full`: `timeout_if_size_exceeds` callers are already in the queue (and no `timeout_redirect`);
 * - `empty`: `timeout_immediately_if_empty` and no member is logged in (and no `timeout_redirect`);
 * - `unknown_session`: no such session for that call (create_session first);
 * - `already_queued`: the session waits in another queue;
 * - `session_ended`: the session was delivered or ended;
 * - `invalid_message`, `unavailable`: as for every bus message.
 */
export const JOIN_REFUSALS = ['unknown_queue', 'full', 'empty', 'unknown_session', 'already_queued', 'session_ended', 'invalid_message', 'unavailable'] as const;
export type JoinRefusal = (typeof JOIN_REFUSALS)[number];

export type JoinQueueReply =
  | {
      'Call-ID': string;
      'Session-ID': string;
      'Join-Queue-ID': string;
      Result: 'ok';
      /** 1-based place in the queue the caller waits in */
      Position: number;
      /** seconds (the queue's estimate for a caller entering now) */
      'Estimated-Wait': number;
      /** set when the caller waits in the overflow queue instead */
      'Redirected-To'?: string;
    }
  | (SessionReplyFailure<JoinRefusal> & { 'Session-ID': string; 'Join-Queue-ID': string });

export const joinQueueReplySchema = sessionReplySchema({
  ids: { 'Session-ID': sessionIdSchema, 'Join-Queue-ID': { type: 'string', pattern: KAZOO_ID_PATTERN } },
  required: ['Session-ID', 'Join-Queue-ID'],
  ok: {
    Position: { type: 'integer', minimum: 1 },
    'Estimated-Wait': { type: 'integer', minimum: 0 },
    'Redirected-To': { type: 'string', pattern: KAZOO_ID_PATTERN },
  },
  okRequired: ['Position', 'Estimated-Wait'],
  refusals: JOIN_REFUSALS,
});
export const validateJoinQueueReply = validator<JoinQueueReply>(joinQueueReplySchema);
