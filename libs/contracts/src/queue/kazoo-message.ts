/**
 * What every KAZOO AMQP message of the qubicle_session API carries (KAZOO's
 * `schemas/kapi.qubicle_session.*.json` plus kz_api's default headers). KAZOO's schemas do not
 * close the objects and KAZOO adds headers over versions, so unknown keys are accepted; the known
 * ones are checked.
 */
import { KAZOO_ID_PATTERN } from '../ids.js';

const header = { type: 'string', maxLength: 256 } as const;

/** kz_api default headers; `Msg-ID` is what makes a redelivered message recognisable. */
export const kazooHeaderProperties = {
  'Msg-ID': { type: 'string', minLength: 1, maxLength: 128 },
  'App-Name': header,
  'App-Version': header,
  'Event-Category': header,
  'Event-Name': header,
  'Server-ID': header,
  Node: header,
} as const;

export interface KazooHeaders {
  'Msg-ID'?: string;
  'App-Name'?: string;
  'App-Version'?: string;
  'Event-Category'?: string;
  'Event-Name'?: string;
  'Server-ID'?: string;
  Node?: string;
}

/**
 * `Call`: KAZOO's call record as JSON (kapps_call:to_json). Only the caller id is read from it
 * (what an offer shows the recipient); the rest is kept opaque.
 */
export interface KazooCall {
  'Call-ID'?: string;
  'Caller-ID-Name'?: string;
  'Caller-ID-Number'?: string;
  'Account-ID'?: string;
  [key: string]: unknown;
}

export const kazooCallSchema = {
  type: 'object',
  properties: {
    'Call-ID': { type: 'string', maxLength: 256 },
    'Caller-ID-Name': { type: 'string', maxLength: 256 },
    'Caller-ID-Number': { type: 'string', maxLength: 64 },
    'Account-ID': { type: 'string', pattern: KAZOO_ID_PATTERN },
  },
} as const;

export const callIdSchema = { type: 'string', minLength: 1, maxLength: 256 } as const;
/** A session id: the length the offered call's `session_id` allows. */
export const sessionIdSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;

/** The caller id of a KAZOO call record ('' when the record has none). */
export function callerOf(call: KazooCall): { caller_id_name: string; caller_id_number: string } {
  return { caller_id_name: call['Caller-ID-Name'] ?? '', caller_id_number: call['Caller-ID-Number'] ?? '' };
}

/** The Result of every reply of this API: KAZOO's callflow reads ok / failed (cf_qubicle). */
export const SESSION_REPLY_RESULTS = ['ok', 'failed'] as const;
export type SessionReplyResult = (typeof SESSION_REPLY_RESULTS)[number];
