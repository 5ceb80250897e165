import { KAZOO_ID_PATTERN } from '../../ids.js';
import type { RecipientSession } from '../../recipient/session-record.js';
import { recipientStatsSchema } from '../../http/responses/recipient-status.js';
import { reasonTimesSchema, stateTimesSchema } from '../../recipient/time-in-state.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/**
 * Finished login sessions of one recipient (the history `logout` writes), newest first
 * (by logout_time, then login_session_id), one page at a time. Reply: SessionListReply.
 *
 * `start_key` is the `next_start_key` of the previous page (opaque to callers): the page starts
 * AT that session, inclusive, as Crossbar's start_key does.
 */
export interface SessionListRequest {
  type: 'session_list';
  account_id: string;
  recipient_id: string;
  /** page size, 1..SESSION_PAGE_MAX */
  limit: number;
  start_key?: string;
}

export const SESSION_PAGE_DEFAULT = 50;
export const SESSION_PAGE_MAX = 100;

/** "<logout_time>:<login_session_id>" */
export const SESSION_START_KEY_PATTERN = '^[0-9]{1,15}:\\S{1,128}$';

export const sessionListRequestSchema = directorySchema(
  'session_list',
  {
    ...accountIdProperty,
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    limit: { type: 'integer', minimum: 1, maximum: SESSION_PAGE_MAX },
    start_key: { type: 'string', pattern: SESSION_START_KEY_PATTERN },
  },
  ['account_id', 'recipient_id', 'limit'],
);

export const recipientSessionSchema = {
  type: 'object',
  required: ['login_session_id', 'login_time', 'logout_time', 'stats', 'node'],
  properties: {
    login_session_id: { type: 'string' },
    login_time: { type: 'integer', minimum: 0 },
    logout_time: { type: 'integer', minimum: 0 },
    stats: recipientStatsSchema,
    node: { type: 'string' },
    reason: { type: 'string' },
    time_in_state: stateTimesSchema,
    time_in_reason: reasonTimesSchema,
  },
  additionalProperties: false,
} as const;

export interface SessionListReply {
  sessions: RecipientSession[];
  /** Present when there are more (older) sessions: pass it back as start_key. */
  next_start_key?: string;
}

export function sessionStartKey(s: Pick<RecipientSession, 'logout_time' | 'login_session_id'>): string {
  return `${s.logout_time}:${s.login_session_id}`;
}

/** The parts of a start key, or null when it is not one. */
export function parseSessionStartKey(key: string): { logout_time: number; login_session_id: string } | null {
  if (!new RegExp(SESSION_START_KEY_PATTERN).test(key)) return null;
  const i = key.indexOf(':');
  return { logout_time: Number(key.slice(0, i)), login_session_id: key.slice(i + 1) };
}

export const sessionListReplySchema = {
  type: 'object',
  required: ['sessions'],
  properties: {
    sessions: { type: 'array', items: recipientSessionSchema },
    next_start_key: { type: 'string', pattern: SESSION_START_KEY_PATTERN },
  },
} as const;
