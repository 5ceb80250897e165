import { KAZOO_ID_PATTERN } from '../../ids.js';
import type { PrivLevel } from '../../directory/user-doc.js';
import { auditReasonProperty } from '../../http/bodies/audit-reason.js';

/**
 * Fields every recipient command carries. Commands travel on the recipient's shard
 * queue; `shard_count` is the sender's view of the cluster so a worker can refuse a
 * command routed with another count. `command_id` makes redelivery idempotent.
 */
export interface CommandBase {
  command_id: string;
  account_id: string;
  recipient_id: string;
  shard_count: number;
  /** Who asked: a user (from the HTTP token) or a named bus service. Informational + audit. */
  by?: { user_id?: string; priv_level?: PrivLevel; service?: string };
  /**
   * Apply only if the recipient's status `revision` is this one (HTTP If-Match), checked by the
   * worker against the state it applies to: another revision → `conflict` (cause: the current
   * revision), nothing applied. 0 = only if not logged in (a recipient not logged in is at 0).
   */
  expected_revision?: number;
  /** Why, in the words of whoever asked (HTTP `audit_reason`): kept in the audit trail and the change's events. */
  audit_reason?: string;
}

export const commandBaseProperties = {
  command_id: { type: 'string', minLength: 8, maxLength: 64 },
  account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
  recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
  shard_count: { type: 'integer', minimum: 1, maximum: 65536 },
  by: {
    type: 'object',
    properties: {
      user_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
      priv_level: { enum: ['admin', 'user'] },
      service: { type: 'string', maxLength: 128 },
    },
    additionalProperties: false,
  },
  expected_revision: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  ...auditReasonProperty,
} as const;

export const commandBaseRequired = ['type', 'command_id', 'account_id', 'recipient_id', 'shard_count'] as const;

/** Build the schema of one command: base fields + its own. */
export function commandSchema(type: string, properties: Record<string, object> = {}, required: string[] = []): object {
  return {
    type: 'object',
    required: [...commandBaseRequired, ...required],
    properties: { type: { const: type }, ...commandBaseProperties, ...properties },
    additionalProperties: false,
  };
}

/**
 * Fields of a shard-level read (get_status_many, get_snapshot): several recipients of ONE shard in
 * one message, as the gateway groups them. No `by`: the schema refuses one.
 */
export interface ShardReadBase {
  command_id: string;
  account_id: string;
  recipient_ids: string[];
  shard_count: number;
}

/** Build the schema of one shard-level read: its type and the ShardReadBase fields. */
export function shardReadSchema(type: string): object {
  return {
    type: 'object',
    required: ['type', 'command_id', 'account_id', 'recipient_ids', 'shard_count'],
    properties: {
      type: { const: type },
      command_id: commandBaseProperties.command_id,
      account_id: commandBaseProperties.account_id,
      recipient_ids: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
      shard_count: commandBaseProperties.shard_count,
    },
    additionalProperties: false,
  };
}
