import { KAZOO_ID_PATTERN } from '../../ids.js';
import { sessionIdSchema } from '../../queue/kazoo-message.js';
import { queueCommandSchema, queueIdSchema, type QueueCommandBase } from './queue-command-base.js';

/**
 * A supervisor acts on a caller of a queue (POST …/qubicle_queues/{QID}/sessions/{SID}):
 * - `assign`: this waiting caller goes to `recipient_id` next, ahead of the router: offered at once
 *   when the member can take a call (the offer command's refusal is then the answer), else as soon
 *   as they can (`offered: false`: they were busy); a ringing caller is refused `session_ringing`
 *   (never two phones at once), a member not taking calls of the queue `recipient_unavailable`;
 * - `remove`: take the caller out of the queue (it leaves `exited`; a ringing offer is withdrawn).
 * Applied once per `command_id`. Reply: QueueSessionActionReply.
 */
export const QUEUE_SESSION_ACTIONS = ['assign', 'remove'] as const;
export type QueueSessionActionName = (typeof QUEUE_SESSION_ACTIONS)[number];

export interface QueueSessionActionCommand extends QueueCommandBase {
  type: 'queue_session_action';
  queue_id: string;
  session_id: string;
  action: QueueSessionActionName;
  /** the recipient to offer the caller to (assign only) */
  recipient_id?: string;
}
export const queueSessionActionCommandSchema = {
  ...(queueCommandSchema(
    'queue_session_action',
    { queue_id: queueIdSchema, session_id: sessionIdSchema, action: { enum: [...QUEUE_SESSION_ACTIONS] }, recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    ['queue_id', 'session_id', 'action'],
  ) as Record<string, unknown>),
  if: { properties: { action: { const: 'assign' } }, required: ['action'] },
  then: { required: ['recipient_id'] },
};

/**
 * Why an action was not done: the caller is not in the queue (`unknown_session`), already ringing
 * (`session_ringing`, assign), the recipient is not a member of the queue (`not_a_member`) or
 * could not take the call (`recipient_unavailable`, with the offer's refusal in `offer_refusal`).
 * An unknown queue is an error reply (`not_found`), as for any queue message.
 */
export const QUEUE_SESSION_ACTION_REFUSALS = ['unknown_session', 'session_ringing', 'not_a_member', 'recipient_unavailable'] as const;
export type QueueSessionActionRefusal = (typeof QUEUE_SESSION_ACTION_REFUSALS)[number];

export type QueueSessionActionReply =
  /** assign: `offered` true = the offer went out now, false = the caller waits for the (busy) member */
  | { queue_id: string; session_id: string; action: QueueSessionActionName; done: true; recipient_id?: string; offered?: boolean }
  | { queue_id: string; session_id: string; action: QueueSessionActionName; done: false; reason: QueueSessionActionRefusal; offer_refusal?: string };

export const queueSessionActionReplySchema = {
  type: 'object',
  required: ['queue_id', 'session_id', 'action', 'done'],
  properties: {
    queue_id: queueIdSchema,
    session_id: sessionIdSchema,
    action: { enum: [...QUEUE_SESSION_ACTIONS] },
    done: { type: 'boolean' },
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    offered: { type: 'boolean' },
    reason: { enum: [...QUEUE_SESSION_ACTION_REFUSALS] },
    offer_refusal: { type: 'string', maxLength: 64 },
  },
  if: { properties: { done: { const: false } } },
  then: { required: ['reason'] },
  additionalProperties: false,
} as const;
