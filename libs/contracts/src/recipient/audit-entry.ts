import { KAZOO_ID_PATTERN } from '../ids.js';
import { AVAILABILITY_STATES, type AvailabilityState } from './availability.js';
import { changeActorSchema, type ChangeActor } from './change-actor.js';
import type { RecipientEvent, RecipientEventName } from '../bus/events/recipient-event.js';
import { RECIPIENT_EVENTS } from '../bus/events/recipient-event.js';

/**
 * One entry of a recipient's audit trail: one per event of every applied change (a login, a
 * supervisor's away, a timer's end of wrap-up, the missed-call policy…), written by the worker in
 * the change's own atomic store write, so an entry exists exactly when the change was applied.
 * Keyed by (account_id, recipient_id, seq): the same event written again replaces its entry.
 */
export interface AuditEntry {
  account_id: string;
  recipient_id: string;
  /** The event's seq (unique per recipient, never reused across logins). */
  seq: number;
  /** ms since the epoch (the change's time). */
  timestamp: number;
  /** What happened: the event's name (`away`, `delete`, `wrapup_end`…). */
  event: RecipientEventName;
  /** Who made the change. */
  actor: ChangeActor;
  /** The state before the change and after it (of the whole change the event belongs to). */
  from: AvailabilityState;
  to: AvailabilityState;
  queue_id?: string;
  /** Why: the words of who asked (audit_reason), else the event's own reason (missed_calls, timer…). */
  reason?: string;
}

export const auditEntrySchema = {
  type: 'object',
  required: ['account_id', 'recipient_id', 'seq', 'timestamp', 'event', 'actor', 'from', 'to'],
  properties: {
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    seq: { type: 'integer', minimum: 1 },
    timestamp: { type: 'integer', minimum: 0 },
    event: { enum: [...RECIPIENT_EVENTS] },
    actor: changeActorSchema,
    from: { enum: [...AVAILABILITY_STATES] },
    to: { enum: [...AVAILABILITY_STATES] },
    queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    reason: { type: 'string' },
  },
  additionalProperties: false,
} as const;

/**
 * The audit entries of one change: one per event, in order. `from` is the state before the change;
 * an event without an actor (written by an older version) is the bus's, unknown.
 */
export function auditEntriesOf(events: readonly RecipientEvent[], from: AvailabilityState): AuditEntry[] {
  return events.map((e) => {
    const entry: AuditEntry = {
      account_id: e.account_id,
      recipient_id: e.recipient_id,
      seq: e.seq,
      timestamp: e.timestamp,
      event: e.event,
      actor: e.actor ?? { kind: 'bus', id: 'unknown' },
      from,
      to: e.status.availability_state,
    };
    const queueId = e.queue_id ?? e.call?.queue_id;
    if (queueId !== undefined) entry.queue_id = queueId;
    const reason = e.audit_reason ?? e.reason;
    if (reason !== undefined) entry.reason = reason;
    return entry;
  });
}

/** Newest first: timestamp, then recipient_id, then seq, all descending (every store's order). */
export function compareAuditNewestFirst(a: AuditEntry, b: AuditEntry): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp;
  if (a.recipient_id !== b.recipient_id) return a.recipient_id < b.recipient_id ? 1 : -1;
  return b.seq - a.seq;
}

/** Where a page starts (inclusive): the position of its first entry in that order. */
export interface AuditCursor {
  timestamp: number;
  recipient_id: string;
  seq: number;
}

/** "<timestamp>:<recipient_id>:<seq>" */
export const AUDIT_START_KEY_PATTERN = '^[0-9]{1,15}:[0-9a-f]{32}:[0-9]{1,17}$';

export function auditStartKey(e: AuditCursor): string {
  return `${e.timestamp}:${e.recipient_id}:${e.seq}`;
}

export function parseAuditStartKey(key: string): AuditCursor | null {
  if (!new RegExp(AUDIT_START_KEY_PATTERN).test(key)) return null;
  const [timestamp, recipientId, seq] = key.split(':') as [string, string, string];
  return { timestamp: Number(timestamp), recipient_id: recipientId, seq: Number(seq) };
}

/** `e` is at or after the cursor in newest-first order (it belongs to the page starting there). */
export function isAtOrAfterCursor(e: AuditCursor, c: AuditCursor): boolean {
  if (e.timestamp !== c.timestamp) return e.timestamp < c.timestamp;
  if (e.recipient_id !== c.recipient_id) return e.recipient_id < c.recipient_id;
  return e.seq <= c.seq;
}
