import { callIdSchema } from '../../queue/kazoo-message.js';
import { createSessionReplySchema, type CreateSessionReply } from '../../queue/create-session.js';
import { deleteSessionReplySchema, type DeleteSessionReply } from '../../queue/delete-session.js';
import { joinQueueReplySchema, type JoinQueueReply } from '../../queue/join-queue.js';
import { queueCommandSchema, type QueueCommandBase } from './queue-command-base.js';

export const SESSION_REQUEST_KINDS = ['create_session', 'join_queue', 'delete_session'] as const;
export type SessionRequestKind = (typeof SESSION_REQUEST_KINDS)[number];

/**
 * Between workers: one of KAZOO's session messages (create_session, join_queue, delete_session),
 * taken from `qubicle.queue.sessions` by any worker and sent on, as it came, to the owner of the
 * session's shard, `shardOf(account_id, call_id)` (docs/queues.md, "Bus integration"). That owner
 * alone writes the session, fenced by its shard's lease, with its events in the shard's session
 * outbox. `message` is KAZOO's message, checked again there against KAZOO's own schema. The reply
 * is KAZOO's reply object, which the taking worker answers KAZOO with.
 */
export interface SessionRequestCommand extends QueueCommandBase {
  type: 'session_request';
  call_id: string;
  kind: SessionRequestKind;
  message: Record<string, unknown>;
}
export const sessionRequestCommandSchema = queueCommandSchema(
  'session_request',
  { call_id: callIdSchema, kind: { enum: [...SESSION_REQUEST_KINDS] }, message: { type: 'object' } },
  ['call_id', 'kind', 'message'],
);

export type SessionRequestReply = CreateSessionReply | JoinQueueReply | DeleteSessionReply;
export const sessionRequestReplySchema = { anyOf: [createSessionReplySchema, joinQueueReplySchema, deleteSessionReplySchema] } as const;
