import { KAZOO_ID_PATTERN } from '../../ids.js';
import { MAX_QUEUES_PER_RECIPIENT } from '../../recipient/state.js';
import { AWAY_REASON_NAME_PATTERN, MAX_AWAY_SECONDS } from '../../recipient/away-reason.js';
import { validator } from '../../schema.js';
import { MAX_BULK_RECIPIENTS } from './bulk-status-query.js';
import { requestEnvelopeSchema, type RequestEnvelope } from '../request-envelope.js';

/**
 * POST /qubicle_recipients/status with "set_status": true:
 * {"data":{"set_status":true,"<recipient>":{"global":"ready","<queue>":"away"}}}.
 * The seed shows the body in Erlang proplist notation; this is its JSON form.
 */
export type BulkGlobalStatus = 'ready' | 'away' | 'login' | 'logout';
export type BulkQueueStatus = 'ready' | 'away';
export interface BulkRecipientStatusSet {
  global?: BulkGlobalStatus;
  /** With global "away": why (a catalogue name); it also goes with each queue key set "away". */
  reason?: string;
  /** With global "away": a timed break. */
  duration_seconds?: number;
  [queueId: string]: BulkGlobalStatus | BulkQueueStatus | string | number | undefined;
}
export interface BulkStatusSet {
  set_status: true;
  [recipientId: string]: BulkRecipientStatusSet | true;
}

const recipientEntrySchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: MAX_QUEUES_PER_RECIPIENT + 3, // + global, reason, duration_seconds
  properties: {
    global: { enum: ['ready', 'away', 'login', 'logout'] },
    reason: { type: 'string', pattern: AWAY_REASON_NAME_PATTERN },
    duration_seconds: { type: 'integer', minimum: 1, maximum: MAX_AWAY_SECONDS },
  },
  patternProperties: { [KAZOO_ID_PATTERN]: { enum: ['ready', 'away'] } },
  additionalProperties: false,
  // a break is global: it needs the global away
  if: { required: ['duration_seconds'] },
  then: { required: ['global'], properties: { global: { const: 'away' } } },
};

export const bulkStatusSetDataSchema = {
  type: 'object',
  required: ['set_status'],
  properties: { set_status: { const: true }, ui_metadata: { type: 'object' } },
  patternProperties: { [KAZOO_ID_PATTERN]: recipientEntrySchema },
  additionalProperties: false,
  minProperties: 2,
  // at most MAX_BULK_RECIPIENTS recipients besides set_status (and ui_metadata when present)
  if: { required: ['ui_metadata'] },
  then: { maxProperties: MAX_BULK_RECIPIENTS + 2 },
  else: { maxProperties: MAX_BULK_RECIPIENTS + 1 },
};

export const validateBulkStatusSetBody = validator<RequestEnvelope<BulkStatusSet>>(
  requestEnvelopeSchema(bulkStatusSetDataSchema),
);

/** Split a validated body into its per-recipient entries. */
export function bulkStatusSetEntries(data: BulkStatusSet): Array<[string, BulkRecipientStatusSet]> {
  return Object.entries(data).filter(
    (e): e is [string, BulkRecipientStatusSet] => e[0] !== 'set_status' && e[0] !== 'ui_metadata' && typeof e[1] === 'object',
  );
}
