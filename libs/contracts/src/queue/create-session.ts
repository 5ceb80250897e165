/**
 * `create_session` (KAZOO: kapi.qubicle_session.create_session), sent by the callflow's `qubicle`
 * action when a call reaches it. The reply gives the call its Session-ID; KAZOO waits 10 s for it
 * and falls through to the next callflow step on a failure or no reply (cf_qubicle.erl).
 * One call has one session: a second create_session for the same Call-ID answers the same id.
 */
import { validator } from '../schema.js';
import { kazooCallMessageProperties, sessionIdSchema, sessionReplySchema, type KazooCallMessage, type SessionReplyFailure } from './kazoo-message.js';

export interface CreateSessionMessage extends KazooCallMessage {
  /** KAZOO sets it to the kind of session (a call); kept and reported. */
  'Session-Type': string;
}

export const createSessionMessageSchema = {
  type: 'object',
  required: ['Account-ID', 'Call', 'Call-ID', 'Session-Type'],
  properties: {
    ...kazooCallMessageProperties,
    'Session-Type': { type: 'string', minLength: 1, maxLength: 64 },
  },
};
export const validateCreateSessionMessage = validator<CreateSessionMessage>(createSessionMessageSchema);

export const CREATE_SESSION_REFUSALS = ['invalid_message', 'unavailable'] as const;
export type CreateSessionRefusal = (typeof CREATE_SESSION_REFUSALS)[number];

export type CreateSessionReply = { 'Call-ID': string; 'Session-ID': string; Result: 'ok' } | SessionReplyFailure<CreateSessionRefusal>;

export const createSessionReplySchema = sessionReplySchema({
  ids: { 'Session-ID': sessionIdSchema },
  required: [],
  ok: {},
  okRequired: ['Session-ID'],
  refusals: CREATE_SESSION_REFUSALS,
});
export const validateCreateSessionReply = validator<CreateSessionReply>(createSessionReplySchema);
