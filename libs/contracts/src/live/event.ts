import { KAZOO_ID_PATTERN } from '../ids.js';
import { validator } from '../schema.js';
import { RECIPIENT_EVENTS, recipientEventSchema, type RecipientEvent } from '../bus/events/recipient-event.js';
import { recipientStatusSchema, type RecipientStatus } from '../http/responses/recipient-status.js';
import { QUEUE_EVENTS, queueEventSchema, type QueueEvent } from '../queue/queue-event.js';
import { SESSION_EVENTS, sessionEventSchema, type SessionEvent } from '../queue/session-event.js';
import { liveQueueSnapshotDataSchema, liveSessionSnapshotDataSchema, type LiveQueueSnapshotData, type LiveSessionSnapshotData } from './queue-snapshot.js';
import type { LiveReply } from './reply.js';
import { snapshotEntrySchema } from './snapshot-entry.js';

/**
 * A recipient's current status, sent on subscribe (and after a reconnect or an unrecoverable
 * gap) before any live event. `seq` is the recipient's sequence number the status is at: live
 * events follow with a higher seq, never a lower or equal one. `seq` 0 = not logged in (only in a
 * resync of a recipient the client named in `resume`). `resync`: sent because the events after
 * the client's `resume` seq were no longer buffered (or the gateway lost its bus meanwhile).
 */
export interface LiveSnapshotData {
  event: 'snapshot';
  account_id: string;
  recipient_id: string;
  seq: number;
  /** ms since epoch, when the gateway read it */
  timestamp: number;
  status: RecipientStatus;
  resync?: true;
}

/** Why a snapshot was sent. */
export const LIVE_SNAPSHOT_REASONS = ['subscribe', 'resume', 'reconnect'] as const;
export type LiveSnapshotReason = (typeof LIVE_SNAPSHOT_REASONS)[number];

/** Ends a snapshot: everything after it is live. */
export interface LiveSnapshotCompleteData {
  event: 'snapshot_complete';
  account_id: string;
  reason: LiveSnapshotReason;
  /** the subscribe's request_id, if any */
  request_id?: string;
  /** snapshot entries sent */
  recipients: number;
  /** recipients of `resume` whose missed events were replayed from the buffer */
  resumed: string[];
  /** recipients of `resume` that got a fresh snapshot instead (gap no longer buffered) */
  resynced: string[];
  /** with a `qubicle.queue.…` binding: queue snapshot entries sent */
  queues?: number;
  /** queues of `resume_queues` whose missed events were replayed */
  queues_resumed?: string[];
  /** queues of `resume_queues` that got a fresh snapshot entry instead (or none: the queue is gone) */
  queues_resynced?: string[];
  /** with a `qubicle.session.…` binding: session snapshot entries sent (the callers in a queue now) */
  sessions?: number;
}

/** `name` of an event message: a bus event, or ours. */
export type LiveEventName = (typeof RECIPIENT_EVENTS)[number] | (typeof QUEUE_EVENTS)[number] | (typeof SESSION_EVENTS)[number] | 'snapshot' | 'snapshot_complete';
export const LIVE_EVENT_NAMES: readonly LiveEventName[] = [...new Set<LiveEventName>([...RECIPIENT_EVENTS, ...QUEUE_EVENTS, ...SESSION_EVENTS, 'snapshot', 'snapshot_complete'])];

/**
 * Server → client: an event, KAZOO blackhole's shape. `subscribed_key` is the binding as the
 * client sent it, `subscription_key` the binding as matched (normalised), `routing_key` the bus
 * routing key (`qubicle.recipient.{account_id}.{recipient_id}.{event}`), `data` the bus event
 * itself (RecipientEvent: event, account_id, recipient_id, seq, timestamp, node, status, …), or a
 * snapshot entry / the end of a snapshot.
 */
export interface LiveEventMessage<D = RecipientEvent | QueueEvent | SessionEvent | LiveSnapshotData | LiveQueueSnapshotData | LiveSessionSnapshotData | LiveSnapshotCompleteData> {
  action: 'event';
  subscribed_key: string;
  subscription_key: string;
  name: LiveEventName;
  routing_key: string;
  data: D;
}

const snapshotDataSchema = snapshotEntrySchema('recipient_id', recipientStatusSchema);

const snapshotCompleteDataSchema = {
  type: 'object',
  required: ['event', 'account_id', 'reason', 'recipients', 'resumed', 'resynced'],
  properties: {
    event: { const: 'snapshot_complete' },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    reason: { enum: [...LIVE_SNAPSHOT_REASONS] },
    request_id: { type: 'string' },
    recipients: { type: 'integer', minimum: 0 },
    resumed: { type: 'array', items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    resynced: { type: 'array', items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    queues: { type: 'integer', minimum: 0 },
    queues_resumed: { type: 'array', items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    queues_resynced: { type: 'array', items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    sessions: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
};

export const liveEventMessageSchema = {
  type: 'object',
  required: ['action', 'subscribed_key', 'subscription_key', 'name', 'routing_key', 'data'],
  properties: {
    action: { const: 'event' },
    subscribed_key: { type: 'string' },
    subscription_key: { type: 'string' },
    name: { enum: [...LIVE_EVENT_NAMES] },
    routing_key: { type: 'string' },
    data: { type: 'object' },
  },
  additionalProperties: false,
  allOf: [
    // a snapshot entry's data is told apart by its routing key's kind
    { if: { properties: { name: { const: 'snapshot' }, routing_key: { pattern: '^qubicle\\.recipient\\.' } } }, then: { properties: { data: snapshotDataSchema } } },
    { if: { properties: { name: { const: 'snapshot' }, routing_key: { pattern: '^qubicle\\.queue\\.' } } }, then: { properties: { data: liveQueueSnapshotDataSchema } } },
    { if: { properties: { name: { const: 'snapshot' }, routing_key: { pattern: '^qubicle\\.session\\.' } } }, then: { properties: { data: liveSessionSnapshotDataSchema } } },
    { if: { properties: { name: { const: 'snapshot' } } }, then: { properties: { routing_key: { pattern: '^qubicle\\.(recipient|queue|session)\\.' } } } },
    { if: { properties: { name: { const: 'snapshot_complete' } } }, then: { properties: { data: snapshotCompleteDataSchema } } },
    // a bus event's data is its contract, told apart by its routing key (queue and recipient
    // events share names such as `create` and `delete`)
    {
      if: { properties: { name: { enum: [...RECIPIENT_EVENTS] }, routing_key: { pattern: '^qubicle\\.recipient\\.' } } },
      then: { properties: { data: recipientEventSchema } },
    },
    {
      if: { properties: { name: { not: { const: 'snapshot' } }, routing_key: { pattern: '^qubicle\\.queue\\.' } } },
      then: { properties: { name: { enum: [...QUEUE_EVENTS] }, data: queueEventSchema } },
    },
    {
      if: { properties: { name: { not: { const: 'snapshot' } }, routing_key: { pattern: '^qubicle\\.session\\.' } } },
      then: { properties: { name: { enum: [...SESSION_EVENTS] }, data: sessionEventSchema } },
    },
  ],
};

export const validateLiveEventMessage = validator<LiveEventMessage>(liveEventMessageSchema);

/** Any server message (reply or event). */
export type LiveServerMessage = LiveEventMessage | LiveReply;
