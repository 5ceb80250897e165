/**
 * Bounds of the queue documents' side (queues.md §1): how many queues an account may have, how
 * many members a roster and how many managers a queue. Every list the API answers or the store
 * keeps is bounded by one of these, so no client can grow a reply, a bus message or a row
 * without limit. docs/queues.md lists them from here.
 */

/** Members of one queue's roster (a call center's largest queue is a few thousand agents). */
export const MAX_QUEUE_ROSTER = 10_000;

/** Queues of one account (a create past it is refused 400 `data.queues.maximum`). */
export const MAX_QUEUES_PER_ACCOUNT = 1_000;

/** Managers of one queue (per-queue roles). */
export const MAX_QUEUE_MANAGERS = 100;
