/**
 * `delete_session` (KAZOO: kapi.qubicle_session.delete_session): the caller hung up. It names the
 * call, not the session. A caller waiting or ringing is abandoned (a ringing offer is withdrawn,
 * not counted as a miss); a delivered session is handled; a session that never joined a queue
 * exits. KAZOO does not wait for the reply; it is there for other publishers and for tests.
 */
import { KAZOO_ID_PATTERN } from '../ids.js';
import { validator } from '../schema.js';
import { callIdSchema, kazooCallSchema, kazooHeaderProperties, sessionIdSchema, SESSION_REPLY_RESULTS, type KazooCall, type KazooHeaders } from './kazoo-message.js';
import { SESSION_END_REASONS, type SessionEndReason } from './session-state.js';

export interface DeleteSessionMessage extends KazooHeaders {
  'Account-ID': string;
  Call: KazooCall;
  'Call-ID': string;
  [header: string]: unknown;
}

export const deleteSessionMessageSchema = {
  type: 'object',
  required: ['Account-ID', 'Call', 'Call-ID'],
  properties: {
    ...kazooHeaderProperties,
    'Account-ID': { type: 'string', pattern: KAZOO_ID_PATTERN },
    Call: kazooCallSchema,
    'Call-ID': callIdSchema,
  },
};
export const validateDeleteSessionMessage = validator<DeleteSessionMessage>(deleteSessionMessageSchema);

export const DELETE_SESSION_REFUSALS = ['unknown_session', 'invalid_message', 'unavailable'] as const;
export type DeleteSessionRefusal = (typeof DELETE_SESSION_REFUSALS)[number];

export type DeleteSessionReply =
  /** `End-Reason`: how the session ended (a repeated delete answers the same) */
  | { 'Call-ID': string; 'Session-ID': string; Result: 'ok'; 'End-Reason': SessionEndReason }
  | { 'Call-ID': string; Result: 'failed'; Reason: DeleteSessionRefusal; 'Error-Message'?: string };

export const deleteSessionReplySchema = {
  type: 'object',
  required: ['Call-ID', 'Result'],
  properties: {
    'Call-ID': callIdSchema,
    'Session-ID': sessionIdSchema,
    Result: { enum: [...SESSION_REPLY_RESULTS] },
    'End-Reason': { enum: [...SESSION_END_REASONS] },
    Reason: { enum: [...DELETE_SESSION_REFUSALS] },
    'Error-Message': { type: 'string', maxLength: 1024 },
  },
  if: { properties: { Result: { const: 'ok' } } },
  then: { required: ['Session-ID', 'End-Reason'] },
  else: { required: ['Reason'] },
  additionalProperties: false,
} as const;
export const validateDeleteSessionReply = validator<DeleteSessionReply>(deleteSessionReplySchema);
