/**
 * Routing keys of the queue side's events on EVENTS_EXCHANGE (names.ts holds the recipient ones).
 * Like recipient keys they end with the event's name, so a binding can pick one kind:
 * `qubicle.queue.{account}.{queue}.{event}` and `qubicle.session.{account}.{session}.{event}`.
 */

/** qubicle.queue.{account_id}.{queue_id}.{event} */
export function queueEventKey(accountId: string, queueId: string, event: string): string {
  return `qubicle.queue.${accountId}.${queueId}.${event}`;
}

/** qubicle.session.{account_id}.{session_id}.{event} */
export function sessionEventKey(accountId: string, sessionId: string, event: string): string {
  return `qubicle.session.${accountId}.${sessionId}.${event}`;
}

/** Every queue event of one account. */
export function accountQueueEventBinding(accountId: string): string {
  return `qubicle.queue.${accountId}.*.*`;
}

/** Every session event of one account. */
export function accountSessionEventBinding(accountId: string): string {
  return `qubicle.session.${accountId}.*.*`;
}

/**
 * Where KAZOO's callflow sends its `qubicle_session` messages (create_session, join_queue,
 * delete_session): one durable RPC queue on the default exchange, served by every worker (KAZOO
 * cannot know our shards). The worker that takes one keeps the caller session in the store and
 * sends a join or a hangup on to the queue's shard (queue_join / queue_hangup). The kind of
 * message is its `Event-Name` when KAZOO sets it, else its shape (docs/queues.md, Bus integration).
 */
export const QUEUE_SESSIONS_QUEUE = 'qubicle.queue.sessions';
