/**
 * A caller session's life (queues.md §5, docs/queues.md has the diagram):
 * created → waiting → offering (one recipient at a time) → delivered → ended.
 * A reject or a missed offer sends an offering session back to waiting at its old place.
 */
export const SESSION_STATES = ['created', 'waiting', 'offering', 'delivered', 'ended'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/**
 * Why a session left a queue (the `leave` queue event): answered there (`delivered`), the caller
 * hung up (`abandoned`), the queue's `timeout` passed (`timed_out`), the timeout moved it to the
 * queue's `timeout_redirect` (`redirected`: the session goes on there), or it was taken out
 * (`exited`: a supervisor removed it, the queue was deleted).
 */
export const QUEUE_LEAVE_REASONS = ['delivered', 'abandoned', 'timed_out', 'redirected', 'exited'] as const;
export type QueueLeaveReason = (typeof QUEUE_LEAVE_REASONS)[number];

/**
 * How a session ended (the session `delete` event), exactly once per session: `handled` (it was
 * delivered and the call is over), `abandoned`, `timed_out` (in its last queue, or no queue took it
 * after a redirect), `exited`. Being redirected is not an end: the session goes on in the other queue.
 */
export const SESSION_END_REASONS = ['handled', 'abandoned', 'timed_out', 'exited'] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];
