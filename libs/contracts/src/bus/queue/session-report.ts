import { KAZOO_ID_PATTERN } from '../../ids.js';
import { callerPrioritySchema } from '../../queue/caller-priority.js';
import { callIdSchema, sessionIdSchema } from '../../queue/kazoo-message.js';
import { queueCommandSchema, queueIdSchema, type QueueCommandBase } from './queue-command-base.js';

export const SESSION_REPORTS = ['delivered', 'ended', 'redirected'] as const;
export type SessionReportKind = (typeof SESSION_REPORTS)[number];

/**
 * Between workers: what a queue decided for one of its callers, sent by the queue's process to the
 * owner of the session's shard (`shardOf(account_id, call_id)`), also when that is itself (one
 * path): `delivered` (answered by `recipient_id`), `ended` (left with `reason`), `redirected`
 * (timed out into `to_queue_id`, the session's owner sends the join there, with `priority` and
 * the `visited` queues). `command_id` is derived from the session, queue and report: a report sent
 * again (a retry) is applied once. Reply: SessionReportReply.
 */
export interface SessionReportCommand extends QueueCommandBase {
  type: 'session_report';
  call_id: string;
  session_id: string;
  queue_id: string;
  report: SessionReportKind;
  recipient_id?: string;
  reason?: 'abandoned' | 'timed_out' | 'exited';
  to_queue_id?: string;
  priority?: number;
  visited?: string[];
}
const reportSchema = queueCommandSchema(
  'session_report',
  {
    call_id: callIdSchema,
    session_id: sessionIdSchema,
    queue_id: queueIdSchema,
    report: { enum: [...SESSION_REPORTS] },
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    reason: { enum: ['abandoned', 'timed_out', 'exited'] },
    to_queue_id: queueIdSchema,
    priority: callerPrioritySchema,
    visited: { type: 'array', maxItems: 32, items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
  },
  ['call_id', 'session_id', 'queue_id', 'report'],
);
/** Each report names what it needs: who answered, how it left, where it went. */
export const sessionReportCommandSchema = {
  ...reportSchema,
  allOf: [
    { if: { properties: { report: { const: 'delivered' } } }, then: { required: ['recipient_id'] } },
    { if: { properties: { report: { const: 'ended' } } }, then: { required: ['reason'] } },
    { if: { properties: { report: { const: 'redirected' } } }, then: { required: ['to_queue_id', 'priority'] } },
  ],
};

/** `applied`: the report changed the session (false: already applied, or the session is elsewhere in its life). */
export interface SessionReportReply {
  applied: boolean;
}
export const sessionReportReplySchema = {
  type: 'object',
  required: ['applied'],
  properties: { applied: { type: 'boolean' } },
  additionalProperties: false,
} as const;
