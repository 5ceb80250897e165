import { callerPrioritySchema } from '../../queue/caller-priority.js';
import { callIdSchema, kazooHeaderProperties, sessionIdSchema } from '../../queue/kazoo-message.js';
import { createSessionReplySchema, type CreateSessionReply } from '../../queue/create-session.js';
import { deleteSessionReplySchema, type DeleteSessionReply } from '../../queue/delete-session.js';
import { joinQueueReplySchema, type JoinQueueReply } from '../../queue/join-queue.js';
import { queueCommandSchema, queueIdSchema, type QueueCommandBase } from './queue-command-base.js';

export const SESSION_REQUEST_KINDS = ['create_session', 'join_queue', 'delete_session'] as const;
export type SessionRequestKind = (typeof SESSION_REQUEST_KINDS)[number];

/**
 * Between workers: one of KAZOO's session messages (create_session, join_queue, delete_session),
 * taken from `qubicle.queue.sessions` by any worker, checked there against KAZOO's schema, and
 * sent on to the owner of the session's shard, `shardOf(account_id, call_id)` (docs/queues.md,
 * "Bus integration"), with what the session reads of it. That owner alone writes the session,
 * fenced by its shard's lease, with its events in the shard's session outbox. `msg_id` is KAZOO's
 * Msg-ID (a redelivery carries the same: applied once). The reply is KAZOO's reply object, which
 * the taking worker answers KAZOO with.
 */
export interface SessionRequestCommand extends QueueCommandBase {
  type: 'session_request';
  kind: SessionRequestKind;
  call_id: string;
  msg_id?: string;
  /** create_session */
  session_type?: string;
  caller_id_name?: string;
  caller_id_number?: string;
  /** join_queue */
  session_id?: string;
  queue_id?: string;
  priority?: number;
}
const requestSchema = queueCommandSchema(
  'session_request',
  {
    kind: { enum: [...SESSION_REQUEST_KINDS] },
    call_id: callIdSchema,
    msg_id: kazooHeaderProperties['Msg-ID'],
    session_type: { type: 'string', minLength: 1, maxLength: 64 },
    caller_id_name: { type: 'string', maxLength: 256 },
    caller_id_number: { type: 'string', maxLength: 64 },
    session_id: sessionIdSchema,
    queue_id: queueIdSchema,
    priority: callerPrioritySchema,
  },
  ['kind', 'call_id'],
);
/** Each kind carries what it needs. */
export const sessionRequestCommandSchema = {
  ...requestSchema,
  allOf: [
    { if: { properties: { kind: { const: 'create_session' } } }, then: { required: ['session_type', 'caller_id_name', 'caller_id_number'] } },
    { if: { properties: { kind: { const: 'join_queue' } } }, then: { required: ['session_id', 'queue_id'] } },
  ],
};

export type SessionRequestReply = CreateSessionReply | JoinQueueReply | DeleteSessionReply;
export const sessionRequestReplySchema = { anyOf: [createSessionReplySchema, joinQueueReplySchema, deleteSessionReplySchema] } as const;
