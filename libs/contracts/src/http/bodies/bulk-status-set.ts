import { KAZOO_ID_PATTERN } from '../../ids.js';
import { MAX_QUEUES_PER_RECIPIENT } from '../../recipient/state.js';
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
  [queueId: string]: BulkGlobalStatus | BulkQueueStatus | undefined;
}
export interface BulkStatusSet {
  set_status: true;
  [recipientId: string]: BulkRecipientStatusSet | true;
}

const recipientEntrySchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: MAX_QUEUES_PER_RECIPIENT + 1, // + global
  properties: { global: { enum: ['ready', 'away', 'login', 'logout'] } },
  patternProperties: { [KAZOO_ID_PATTERN]: { enum: ['ready', 'away'] } },
  additionalProperties: false,
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
