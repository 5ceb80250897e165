import { KAZOO_ID_PATTERN } from '../../ids.js';
import { validator } from '../../schema.js';
import { callInfoSchema, type CallInfo } from '../../recipient/call-info.js';
import type { RecipientStats } from '../../recipient/stats.js';
import type { WiretapMode } from '../../recipient/availability.js';
import { changeActorSchema, type ChangeActor } from '../../recipient/change-actor.js';
import { AUDIT_REASON_MAX } from '../../http/bodies/audit-reason.js';
import { recipientStatsSchema, recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';

/**
 * Events on EVENTS_EXCHANGE, routing key qubicle.recipient.{account}.{recipient}.{event}.
 * Qubicle's names: create (login), delete (logout, final stats), ready, away, offer,
 * reject, delivered; ours: answer? no — "delivered" is Qubicle's name for a call that
 * reached the recipient; plus wrapup, wrapup_end, withdraw, miss, hangup, wiretap,
 * wiretap_stop, queue_status (per-queue flag changed), next_state (deferred change) and
 * away_alert (an away reason with `on_max: "alert"` reached its maximum; the recipient stays Away).
 */
export const RECIPIENT_EVENTS = [
  'create',
  'delete',
  'ready',
  'away',
  'queue_status',
  'next_state',
  'offer',
  'reject',
  'miss',
  'withdraw',
  'delivered',
  'hangup',
  'wrapup',
  'wrapup_end',
  'wiretap',
  'wiretap_stop',
  'away_alert',
] as const;
export type RecipientEventName = (typeof RECIPIENT_EVENTS)[number];

export interface RecipientEvent {
  event: RecipientEventName;
  account_id: string;
  recipient_id: string;
  /** Per-recipient, +1 per event, never reused across logins: consumers detect gaps. */
  seq: number;
  /** ms since epoch */
  timestamp: number;
  node: string;
  /** The status after the change (Not-Logged-In form after delete). */
  status: RecipientStatus;
  call?: CallInfo;
  /** e.g. away reason, withdraw reason, logout reason */
  reason?: string;
  /** delete: the session's final stats */
  final_stats?: RecipientStats;
  /** wiretap / wiretap_stop: who is monitored and how */
  wiretap?: { target_id: string; mode: WiretapMode };
  queue_id?: string;
  /** Who made the change (a user, a service, a timer, a policy…); every event of the worker has it. */
  actor?: ChangeActor;
  /** Why, in the words of who asked (the command's audit_reason). */
  audit_reason?: string;
}

export const recipientEventSchema = {
  type: 'object',
  required: ['event', 'account_id', 'recipient_id', 'seq', 'timestamp', 'node', 'status'],
  properties: {
    event: { enum: [...RECIPIENT_EVENTS] },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    seq: { type: 'integer', minimum: 1 },
    timestamp: { type: 'integer', minimum: 0 },
    node: { type: 'string' },
    status: recipientStatusSchema,
    call: callInfoSchema,
    reason: { type: 'string' },
    final_stats: recipientStatsSchema,
    wiretap: {
      type: 'object',
      required: ['target_id', 'mode'],
      properties: { target_id: { type: 'string', pattern: KAZOO_ID_PATTERN }, mode: { enum: ['eavesdrop', 'whisper', 'barge'] } },
      additionalProperties: false,
    },
    queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    actor: changeActorSchema,
    audit_reason: { type: 'string', maxLength: AUDIT_REASON_MAX },
  },
  additionalProperties: false,
};

export const validateRecipientEvent = validator<RecipientEvent>(recipientEventSchema);
