import { KAZOO_ID_PATTERN } from '../ids.js';
import { queueSessionViewSchema, type QueueSessionView } from '../bus/queue/list-queue-sessions.js';
import { sessionIdSchema } from '../queue/kazoo-message.js';
import { queueStatusSchema, type QueueStatus } from '../queue/queue-status.js';
import { snapshotEntrySchema } from './snapshot-entry.js';

/**
 * A queue's snapshot entry on the event websocket (name `snapshot`, routing key
 * `qubicle.queue.{account_id}.{queue_id}.snapshot`), sent on subscribe to a `qubicle.queue.…`
 * binding (and after a reconnect whose gap could not be replayed) before any live event of that
 * queue: its status and its callers (waiting and ringing, in routing order), both at the queue's
 * event `seq`. Live events of the queue follow with a higher seq, never a lower or equal one.
 * `resync`: sent because the events after the client's `resume_queues` seq were no longer buffered.
 */
export interface LiveQueueSnapshotData {
  event: 'snapshot';
  account_id: string;
  queue_id: string;
  seq: number;
  /** ms since epoch, when the gateway read it */
  timestamp: number;
  status: QueueStatus;
  sessions: QueueSessionView[];
  resync?: true;
}

/**
 * A caller session's snapshot entry (routing key `qubicle.session.{account_id}.{session_id}.snapshot`),
 * sent on subscribe to a `qubicle.session.…` binding: one per caller IN A QUEUE of the account now
 * (waiting or ringing; what the queue snapshot lists), with the queue it is in. `seq` is 1 (created,
 * not ended): its `delete` (seq 2) follows live. Sessions get no resume: every (re)subscribe sends
 * them all again, and a session the client knew that is not listed is not in a queue any more.
 */
export interface LiveSessionSnapshotData extends QueueSessionView {
  event: 'snapshot';
  account_id: string;
  seq: 1;
  /** ms since epoch, when the gateway read it */
  timestamp: number;
  queue_id: string;
}

export const liveQueueSnapshotDataSchema = snapshotEntrySchema('queue_id', queueStatusSchema, { sessions: { type: 'array', items: queueSessionViewSchema } });

export const liveSessionSnapshotDataSchema = {
  type: 'object',
  required: ['event', 'account_id', 'seq', 'timestamp', 'queue_id', ...queueSessionViewSchema.required],
  properties: {
    ...queueSessionViewSchema.properties,
    event: { const: 'snapshot' },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    session_id: sessionIdSchema,
    seq: { const: 1 },
    timestamp: { type: 'integer', minimum: 0 },
    queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
  },
  additionalProperties: false,
} as const;
