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
}
export const offerCommandSchema = commandSchema(
  'offer',
  {
    call: callInfoSchema,
    offer_timeout_seconds: { type: 'integer', minimum: 1, maximum: 3600 },
    wrapup_seconds: { type: 'integer', minimum: 0, maximum: 86400 },
  },
  ['call', 'offer_timeout_seconds', 'wrapup_seconds'],
);

export const OFFER_REFUSALS = ['not_logged_in', 'not_ready', 'not_available_for_queue', 'busy', 'wiretapping'] as const;
export type OfferRefusal = (typeof OFFER_REFUSALS)[number];
export type OfferReply = { accepted: true } | { accepted: false; reason: OfferRefusal };

export const offerReplySchema = {
  type: 'object',
  required: ['accepted'],
  properties: { accepted: { type: 'boolean' }, reason: { enum: [...OFFER_REFUSALS] } },
  if: { properties: { accepted: { const: false } } },
  then: { required: ['reason'] },
};
