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
