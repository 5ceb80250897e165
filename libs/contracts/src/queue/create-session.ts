/**
 * `create_session` (KAZOO: kapi.qubicle_session.create_session), sent by the callflow's `qubicle`
 * action when a call reaches it. The reply gives the call its Session-ID; KAZOO waits 10 s for it
 * and falls through to the next callflow step on a failure or no reply (cf_qubicle.erl).
 * One call has one session: a second create_session for the same Call-ID answers the same id.
 */
import { KAZOO_ID_PATTERN } from '../ids.js';
import { validator } from '../schema.js';
import { callIdSchema, kazooCallSchema, kazooHeaderProperties, sessionIdSchema, SESSION_REPLY_RESULTS, type KazooCall, type KazooHeaders } from './kazoo-message.js';

export interface CreateSessionMessage extends KazooHeaders {
  'Account-ID': string;
  Call: KazooCall;
  'Call-ID': string;
  /** KAZOO sets it to the kind of session (a call); kept and reported. */
  'Session-Type': string;
  [header: string]: unknown;
}

export const createSessionMessageSchema = {
  type: 'object',
  required: ['Account-ID', 'Call', 'Call-ID', 'Session-Type'],
  properties: {
    ...kazooHeaderProperties,
    'Account-ID': { type: 'string', pattern: KAZOO_ID_PATTERN },
    Call: kazooCallSchema,
    'Call-ID': callIdSchema,
    'Session-Type': { type: 'string', minLength: 1, maxLength: 64 },
  },
};
export const validateCreateSessionMessage = validator<CreateSessionMessage>(createSessionMessageSchema);

export const CREATE_SESSION_REFUSALS = ['invalid_message', 'unavailable'] as const;
export type CreateSessionRefusal = (typeof CREATE_SESSION_REFUSALS)[number];

export type CreateSessionReply =
  | { 'Call-ID': string; 'Session-ID': string; Result: 'ok' }
  | { 'Call-ID': string; Result: 'failed'; Reason: CreateSessionRefusal; 'Error-Message'?: string };

export const createSessionReplySchema = {
  type: 'object',
  required: ['Call-ID', 'Result'],
  properties: {
    'Call-ID': callIdSchema,
    'Session-ID': sessionIdSchema,
    Result: { enum: [...SESSION_REPLY_RESULTS] },
    Reason: { enum: [...CREATE_SESSION_REFUSALS] },
    'Error-Message': { type: 'string', maxLength: 1024 },
  },
  if: { properties: { Result: { const: 'ok' } } },
  then: { required: ['Session-ID'] },
  else: { required: ['Reason'] },
  additionalProperties: false,
} as const;
export const validateCreateSessionReply = validator<CreateSessionReply>(createSessionReplySchema);
