/**
 * Every message to a RUNNING queue (its process, on its shard): the table from type to request
 * schema and reply schema, as shard-command.ts is for recipients. These travel on the same shard
 * queues (`shardQueue(shardOf(account_id, queue_id, n))`) but are kept apart from the recipient
 * commands: they name a queue, not a recipient, and are served by the queue's actor.
 */
import { unionValidator, type Validation, unionSchemaOf } from '../../schema.js';
import { replyValidators, validateReplyOf } from '../reply-validation.js';
import { ensureQueuesStartedCommandSchema, ensureQueuesStartedReplySchema, type EnsureQueuesStartedCommand, type EnsureQueuesStartedReply } from './ensure-queues-started.js';
import { getQueueStatusCommandSchema, getQueueStatusReplySchema, type GetQueueStatusCommand, type GetQueueStatusReply } from './get-queue-status.js';
import { listQueueSessionsCommandSchema, listQueueSessionsReplySchema, type ListQueueSessionsCommand, type ListQueueSessionsReply } from './list-queue-sessions.js';
import { queueHangupCommandSchema, queueHangupReplySchema, type QueueHangupCommand, type QueueHangupReply } from './queue-hangup.js';
import { queueJoinCommandSchema, queueJoinReplySchema, type QueueJoinCommand, type QueueJoinReply } from './queue-join.js';
import { sessionReportCommandSchema, sessionReportReplySchema, type SessionReportCommand, type SessionReportReply } from './session-report.js';
import { sessionRequestCommandSchema, sessionRequestReplySchema, type SessionRequestCommand, type SessionRequestReply } from './session-request.js';
import { stopQueueCommandSchema, stopQueueReplySchema, type StopQueueCommand, type StopQueueReply } from './stop-queue.js';
import { queueSessionActionCommandSchema, queueSessionActionReplySchema, type QueueSessionActionCommand, type QueueSessionActionReply } from './queue-session-action.js';

export type QueueMessage =
  | GetQueueStatusCommand
  | ListQueueSessionsCommand
  | QueueSessionActionCommand
  | EnsureQueuesStartedCommand
  /** between workers (the session side): */
  | QueueJoinCommand
  | QueueHangupCommand
  /** between workers, to the owner of a caller session's shard (keyed by call_id, not a queue): */
  | SessionRequestCommand
  | SessionReportCommand
  /** from the directory (the queue API deleted the queue): */
  | StopQueueCommand;
export type QueueMessageType = QueueMessage['type'];

export const QUEUE_MESSAGE_SCHEMAS: Record<QueueMessageType, object> = {
  get_queue_status: getQueueStatusCommandSchema,
  list_queue_sessions: listQueueSessionsCommandSchema,
  queue_session_action: queueSessionActionCommandSchema,
  ensure_queues_started: ensureQueuesStartedCommandSchema,
  queue_join: queueJoinCommandSchema,
  queue_hangup: queueHangupCommandSchema,
  session_request: sessionRequestCommandSchema,
  session_report: sessionReportCommandSchema,
  stop_queue: stopQueueCommandSchema,
};
export const QUEUE_MESSAGE_TYPES = Object.keys(QUEUE_MESSAGE_SCHEMAS) as QueueMessageType[];

export function isQueueMessageType(type: unknown): type is QueueMessageType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(QUEUE_MESSAGE_SCHEMAS, type);
}

export const queueMessageSchema = unionSchemaOf(QUEUE_MESSAGE_SCHEMAS);
export const validateQueueMessage = unionValidator<QueueMessage>(queueMessageSchema, QUEUE_MESSAGE_SCHEMAS);

/** The queue ids a message names (the worker checks they all belong to the shard it came on). */
export function queueIdsOf(msg: QueueMessage): string[] {
  return 'queue_ids' in msg ? msg.queue_ids : msg.type === 'session_request' ? (msg.queue_id !== undefined ? [msg.queue_id] : []) : [msg.queue_id];
}

/** The keys the shard of a message is computed from: the call for a session's messages, else its queues. */
export function shardKeysOf(msg: QueueMessage): string[] {
  return msg.type === 'session_request' || msg.type === 'session_report' ? [msg.call_id] : queueIdsOf(msg);
}

export interface QueueReplies {
  get_queue_status: GetQueueStatusReply;
  list_queue_sessions: ListQueueSessionsReply;
  queue_session_action: QueueSessionActionReply;
  ensure_queues_started: EnsureQueuesStartedReply;
  queue_join: QueueJoinReply;
  queue_hangup: QueueHangupReply;
  session_request: SessionRequestReply;
  session_report: SessionReportReply;
  stop_queue: StopQueueReply;
}
export type QueueReplyOf<M extends { type: QueueMessageType }> = QueueReplies[M['type']];

export const QUEUE_REPLY_SCHEMAS: Record<QueueMessageType, object> = {
  get_queue_status: getQueueStatusReplySchema,
  list_queue_sessions: listQueueSessionsReplySchema,
  queue_session_action: queueSessionActionReplySchema,
  ensure_queues_started: ensureQueuesStartedReplySchema,
  queue_join: queueJoinReplySchema,
  queue_hangup: queueHangupReplySchema,
  session_request: sessionRequestReplySchema,
  session_report: sessionReportReplySchema,
  stop_queue: stopQueueReplySchema,
};

const queueReplyValidators = replyValidators(QUEUE_REPLY_SCHEMAS);

/** The `data` of an ok reply to a queue message, checked against its reply schema. */
export function validateQueueReply<T extends QueueMessageType>(type: T, data: unknown): Validation<QueueReplies[T]>;
export function validateQueueReply(type: string, data: unknown): Validation<unknown>;
export function validateQueueReply(type: string, data: unknown): Validation<unknown> {
  return validateReplyOf(queueReplyValidators, type, data);
}
