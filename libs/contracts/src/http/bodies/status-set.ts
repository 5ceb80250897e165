import { KAZOO_ID_PATTERN } from '../../ids.js';
import { AWAY_REASON_NAME_PATTERN, MAX_AWAY_SECONDS, awayOnlyRule } from '../../recipient/away-reason.js';
import { validator } from '../../schema.js';
import { requestEnvelopeSchema, type RequestEnvelope } from '../request-envelope.js';
import { auditReasonProperty } from './audit-reason.js';

/** POST /qubicle_recipients/{id}/status {"data":{"status":"ready","queue_id":"..."}}. */
export const SETTABLE_STATUSES = ['login', 'logout', 'ready', 'away'] as const;
export type SettableStatus = (typeof SETTABLE_STATUSES)[number];

export interface StatusSet {
  status: SettableStatus;
  /** OPTIONAL: only this queue's availability changes (ready/away only). */
  queue_id?: string;
  /** OPTIONAL, away only: why (a name of the account's away-reason catalogue). */
  reason?: string;
  /** OPTIONAL, away only, not per queue: a timed break, back to Ready after that many seconds. */
  duration_seconds?: number;
  /** OPTIONAL: why (kept in the audit trail). */
  audit_reason?: string;
}

export const statusSetDataSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { enum: [...SETTABLE_STATUSES] },
    queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    reason: { type: 'string', pattern: AWAY_REASON_NAME_PATTERN },
    duration_seconds: { type: 'integer', minimum: 1, maximum: MAX_AWAY_SECONDS },
    ...auditReasonProperty,
  },
  if: { required: ['queue_id'] },
  then: { properties: { status: { enum: ['ready', 'away'] } } },
  ...awayOnlyRule,
};

export const validateStatusSetBody = validator<RequestEnvelope<StatusSet>>(requestEnvelopeSchema(statusSetDataSchema));
