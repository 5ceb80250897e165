import { callInfoSchema, type CallInfo } from '../../recipient/call-info.js';
import { commandSchema, type CommandBase } from './command-base.js';

/**
 * A queue offers a waiting call (sent by a queue service). Reply: OfferReply —
 * accepted, or refused with why (not logged in, not ready, not available for that
 * queue, busy, wiretapping).
 */
export interface OfferCommand extends CommandBase {
  type: 'offer';
  call: CallInfo;
  /** The queue's offer (ring) timeout: no answer by then = a missed call. */
  offer_timeout_seconds: number;
  /** The queue's wrap-up time after a call from it. */
  wrapup_seconds: number;
  /**
   * Sent by a queue process: the lease of the queue's shard it offers under. The recipient refuses
   * (`stale_queue`) an offer whose epoch is older than the store's current lease of that shard: a
   * zombie queue (paused, its lease taken over) cannot ring a phone its successor may ring too.
   */
  queue_fence?: QueueFence;
}

/** The shard of the offering queue (`shardOf(account_id, queue_id, shard_count)`) and its lease epoch. */
export interface QueueFence {
  shard: number;
  epoch: number;
}
export const queueFenceSchema = {
  type: 'object',
  required: ['shard', 'epoch'],
  properties: { shard: { type: 'integer', minimum: 0, maximum: 65535 }, epoch: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
} as const;
export const offerCommandSchema = commandSchema(
  'offer',
  {
    call: callInfoSchema,
    offer_timeout_seconds: { type: 'integer', minimum: 1, maximum: 3600 },
    wrapup_seconds: { type: 'integer', minimum: 0, maximum: 86400 },
    queue_fence: queueFenceSchema,
  },
  ['call', 'offer_timeout_seconds', 'wrapup_seconds'],
);

/** `stale_queue`: the offer's queue_fence is older than its queue shard's lease (a zombie queue's offer). */
export const OFFER_REFUSALS = ['not_logged_in', 'not_ready', 'not_available_for_queue', 'busy', 'wiretapping', 'stale_queue'] as const;
export type OfferRefusal = (typeof OFFER_REFUSALS)[number];
export type OfferReply = { accepted: true } | { accepted: false; reason: OfferRefusal };

export const offerReplySchema = {
  type: 'object',
  required: ['accepted'],
  properties: { accepted: { type: 'boolean' }, reason: { enum: [...OFFER_REFUSALS] } },
  if: { properties: { accepted: { const: false } } },
  then: { required: ['reason'] },
};
