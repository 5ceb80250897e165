/**
 * A queue's roster: the recipients who take its calls. It is what per-queue availability
 * (`queue_availability`, a recipient's ready/away per queue) refers to: a recipient is offered
 * calls only of the queues whose roster names them, and their flag for a queue counts only while
 * they are on its roster (docs/queues.md "Roster and availability").
 */
import { KAZOO_ID_PATTERN } from '../ids.js';
import { MAX_QUEUE_ROSTER } from './queue-limits.js';

/** Recipient ids of a roster, as a message carries them. */
export const rosterIdsSchema = {
  type: 'array',
  maxItems: MAX_QUEUE_ROSTER,
  items: { type: 'string', pattern: KAZOO_ID_PATTERN },
};

/** Roster reply: the queue and its members (sorted, no duplicates). */
export interface QueueRosterReply {
  queue_id: string;
  recipients: string[];
}

/** queue id → its members, for every queue of the account (GET …/qubicle_queues/recipients). */
export type QueueRosters = Record<string, string[]>;

/** recipient id → the queues whose roster names them (POST …/qubicle_recipients/queue_membership). */
export type QueueMembership = Record<string, string[]>;

/** Sorted, without duplicates: the one order every adapter stores and answers. */
export function normaliseRoster(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}

export const queueRosterReplySchema = {
  type: 'object',
  required: ['queue_id', 'recipients'],
  properties: { queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN }, recipients: rosterIdsSchema },
} as const;

/** id → ids (QueueRosters by queue, QueueMembership by recipient). */
export const idListMapSchema = {
  type: 'object',
  propertyNames: { pattern: KAZOO_ID_PATTERN },
  additionalProperties: { type: 'array', items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
} as const;
