import { validator } from '../../schema.js';
import { recipientEventSchema, type RecipientEvent } from './recipient-event.js';

/**
 * The gateways' feed of recipient events, on FEED_EXCHANGE (fanout): every event one worker node
 * published during one turn of its event loop, in publish order, in ONE message.
 *
 * Why: the gateways (read model, live websocket) want every event, and a topic-routed delivery of
 * one event to one gateway costs the broker ~60 µs on top of the publish (bench `broker-legs`); a
 * worker publishes ~15 events per turn under load, so one batch per turn per gateway costs a
 * fraction of that. Each event is still published alone on EVENTS_EXCHANGE under its routing key
 * (the bus contract for every other consumer); the feed is an extra copy for the gateways.
 *
 * Order: within a batch, and between the batches of one node (one channel), events are in the
 * order they were published, so a recipient's `seq` still only grows; consumers detect gaps
 * exactly as on EVENTS_EXCHANGE. Nothing orders batches of different nodes, as nothing ordered
 * their events before.
 */
export interface RecipientEventBatch {
  /** the publishing worker node */
  node: string;
  events: RecipientEvent[];
}

/** At most this many events in one batch (a larger turn is split). */
export const RECIPIENT_EVENT_BATCH_MAX = 1000;

export const recipientEventBatchSchema = {
  type: 'object',
  required: ['node', 'events'],
  properties: {
    node: { type: 'string', minLength: 1, maxLength: 200 },
    events: { type: 'array', minItems: 1, maxItems: RECIPIENT_EVENT_BATCH_MAX, items: recipientEventSchema },
  },
  additionalProperties: false,
};

export const validateRecipientEventBatch = validator<RecipientEventBatch>(recipientEventBatchSchema);

/**
 * The batch without its events' own schema: what a consumer that validates each event with
 * validateRecipientEvent (read model, live hub) checks first, so that one bad event is dropped
 * alone and no event is validated twice.
 */
export const recipientEventBatchEnvelopeSchema = {
  type: 'object',
  required: ['node', 'events'],
  properties: {
    node: { type: 'string', minLength: 1, maxLength: 200 },
    events: { type: 'array', minItems: 1, maxItems: RECIPIENT_EVENT_BATCH_MAX, items: { type: 'object' } },
  },
  additionalProperties: false,
};

export const validateRecipientEventBatchEnvelope = validator<{ node: string; events: unknown[] }>(recipientEventBatchEnvelopeSchema);
