/** Every exchange, queue and routing-key function of the bus, in one place. */

/** Topic exchange carrying recipient events (routing key: recipientEventKey). */
export const EVENTS_EXCHANGE = 'qubicle.events';
/** Where invalid or unprocessable messages go (fanout), and the queue that keeps them. */
export const DEAD_LETTER_EXCHANGE = 'qubicle.dead-letter';
export const DEAD_LETTER_QUEUE = 'qubicle.dead-letter';
/** RPC queue for documents (users, accounts) and auth look-ups, served by every worker. */
export const DIRECTORY_QUEUE = 'qubicle.directory';
/** Broadcast control messages to workers (e.g. cluster view requests). */
export const CONTROL_EXCHANGE = 'qubicle.control';

/** Durable command queue of one shard; commands are published to it through the default exchange. */
export function shardQueue(shard: number): string {
  return `qubicle.recipient.shard.${shard}`;
}

export type ShardQueueType = 'classic' | 'quorum';

/**
 * Queue arguments of a shard queue, identical wherever it is declared.
 * No queue-level dead-letter exchange: RabbitMQ would dead-letter every expired
 * command (reason "expired") too, and a timed-out command is not a poison message.
 * The worker publishes invalid fire-and-forget commands to DEAD_LETTER_EXCHANGE itself.
 */
export function shardQueueArguments(type: ShardQueueType): Record<string, unknown> {
  return type === 'quorum' ? { 'x-queue-type': 'quorum', 'x-single-active-consumer': true } : { 'x-queue-type': 'classic' };
}

/** qubicle.recipient.{account_id}.{recipient_id}.{event} */
export function recipientEventKey(accountId: string, recipientId: string, event: string): string {
  return `qubicle.recipient.${accountId}.${recipientId}.${event}`;
}

/** Binding for every event of one account. */
export function accountEventBinding(accountId: string): string {
  return `qubicle.recipient.${accountId}.*.*`;
}
