/**
 * A caller's priority in a queue: an integer 0..10, higher is served first; within one priority
 * callers are served in the order they entered (FIFO). 0 is every caller's priority unless the
 * join names another. The range is RabbitMQ's recommended priority range and KAZOO ACDC's
 * `max_priority` practice: a handful of levels (normal, VIP, callback, emergency…) is what call
 * centers use; more levels only make the order harder to reason about.
 */
export const CALLER_PRIORITY_MIN = 0;
export const CALLER_PRIORITY_MAX = 10;
export const DEFAULT_CALLER_PRIORITY = 0;

export const callerPrioritySchema = { type: 'integer', minimum: CALLER_PRIORITY_MIN, maximum: CALLER_PRIORITY_MAX } as const;
