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

/** What every request of this API names: the account and the call (its record and its id). */
export interface KazooCallMessage extends KazooHeaders {
  'Account-ID': string;
  Call: KazooCall;
  'Call-ID': string;
  [header: string]: unknown;
}

/** The properties of a KazooCallMessage (a request's schema adds its own after them). */
export const kazooCallMessageProperties = {
  ...kazooHeaderProperties,
  'Account-ID': { type: 'string', pattern: KAZOO_ID_PATTERN },
  Call: kazooCallSchema,
  'Call-ID': callIdSchema,
} as const;

/** A failed reply of this API: the call, why (one of the request's refusals), and a message. */
export interface SessionReplyFailure<Refusal extends string> {
  'Call-ID': string;
  Result: 'failed';
  Reason: Refusal;
  'Error-Message'?: string;
}

/**
 * The schema of a reply of this API, closed: `Call-ID`, then `ids` (the other ids the reply
 * names, required as `required` says), `Result`, then `ok` (what only an ok reply carries, required
 * there as `okRequired` says), then a failure's `Reason` (one of `refusals`) and `Error-Message`.
 */
export function sessionReplySchema(reply: {
  ids: Record<string, object>;
  required: readonly string[];
  ok: Record<string, object>;
  okRequired: readonly string[];
  refusals: readonly string[];
}) {
  return {
    type: 'object',
    required: ['Call-ID', ...reply.required, 'Result'],
    properties: {
      'Call-ID': callIdSchema,
      ...reply.ids,
      Result: { enum: [...SESSION_REPLY_RESULTS] },
      ...reply.ok,
      Reason: { enum: [...reply.refusals] },
      'Error-Message': { type: 'string', maxLength: 1024 },
    },
    if: { properties: { Result: { const: 'ok' } } },
    then: { required: [...reply.okRequired] },
    else: { required: ['Reason'] },
    additionalProperties: false,
  } as const;
}
