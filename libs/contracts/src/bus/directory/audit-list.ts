import { KAZOO_ID_PATTERN } from '../../ids.js';
import { AUDIT_START_KEY_PATTERN, auditEntrySchema, type AuditEntry } from '../../recipient/audit-entry.js';
import { changeActorSchema, type ChangeActor } from '../../recipient/change-actor.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/**
 * One page of the audit trail (GET …/qubicle_recipients/{id}/audit, …/qubicle_recipients/audit),
 * newest first, of one recipient or of the whole account, optionally only one actor's and only
 * within [created_from, created_to] (unix seconds, inclusive). `start_key` is the previous page's
 * `next_start_key`: the page starts AT that entry. Reply: AuditListReply.
 */
export interface AuditListRequest {
  type: 'audit_list';
  account_id: string;
  recipient_id?: string;
  actor?: ChangeActor;
  created_from?: number;
  created_to?: number;
  limit: number;
  start_key?: string;
}

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 100;

export const auditListRequestSchema = directorySchema(
  'audit_list',
  {
    ...accountIdProperty,
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    actor: changeActorSchema,
    created_from: { type: 'integer', minimum: 0, maximum: 1e11 },
    created_to: { type: 'integer', minimum: 0, maximum: 1e11 },
    limit: { type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX },
    start_key: { type: 'string', pattern: AUDIT_START_KEY_PATTERN },
  },
  ['account_id', 'limit'],
);

export interface AuditListReply {
  entries: AuditEntry[];
  /** Present when there are more (older) entries: pass it back as start_key. */
  next_start_key?: string;
}

export const auditListReplySchema = {
  type: 'object',
  required: ['entries'],
  properties: {
    entries: { type: 'array', items: auditEntrySchema },
    next_start_key: { type: 'string', pattern: AUDIT_START_KEY_PATTERN },
  },
  additionalProperties: false,
} as const;
