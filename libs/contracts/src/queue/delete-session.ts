/**
 * `delete_session` (KAZOO: kapi.qubicle_session.delete_session): the caller hung up. It names the
 * call, not the session. A caller waiting or ringing is abandoned (a ringing offer is withdrawn,
 * not counted as a miss); a delivered session is handled; a session that never joined a queue
 * exits. KAZOO does not wait for the reply; it is there for other publishers and for tests.
 */
import { validator } from '../schema.js';
import { kazooCallMessageProperties, sessionIdSchema, sessionReplySchema, type KazooCallMessage, type SessionReplyFailure } from './kazoo-message.js';
import { SESSION_END_REASONS, type SessionEndReason } from './session-state.js';

export type DeleteSessionMessage = KazooCallMessage;

export const deleteSessionMessageSchema = {
  type: 'object',
  required: ['Account-ID', 'Call', 'Call-ID'],
  properties: kazooCallMessageProperties,
};
export const validateDeleteSessionMessage = validator<DeleteSessionMessage>(deleteSessionMessageSchema);

export const DELETE_SESSION_REFUSALS = ['unknown_session', 'invalid_message', 'unavailable'] as const;
export type DeleteSessionRefusal = (typeof DELETE_SESSION_REFUSALS)[number];

export type DeleteSessionReply =
  /** `End-Reason`: how the session ended (a repeated delete answers the same) */
  | { 'Call-ID': string; 'Session-ID': string; Result: 'ok'; 'End-Reason': SessionEndReason }
  | SessionReplyFailure<DeleteSessionRefusal>;

export const deleteSessionReplySchema = sessionReplySchema({
  ids: { 'Session-ID': sessionIdSchema },
  required: [],
  ok: { 'End-Reason': { enum: [...SESSION_END_REASONS] } },
  okRequired: ['Session-ID', 'End-Reason'],
  refusals: DELETE_SESSION_REFUSALS,
});
export const validateDeleteSessionReply = validator<DeleteSessionReply>(deleteSessionReplySchema);
