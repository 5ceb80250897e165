import { KAZOO_ID_PATTERN } from '../../ids.js';
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
  /** OPTIONAL: why (kept in the audit trail). */
  audit_reason?: string;
}

export const statusSetDataSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { enum: [...SETTABLE_STATUSES] },
    queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    ...auditReasonProperty,
  },
  if: { required: ['queue_id'] },
  then: { properties: { status: { enum: ['ready', 'away'] } } },
};

export const validateStatusSetBody = validator<RequestEnvelope<StatusSet>>(requestEnvelopeSchema(statusSetDataSchema));
