/** Every exchange, queue and routing-key function of the bus, in one place. */

/** Topic exchange carrying recipient events (routing key: recipientEventKey). */
export const EVENTS_EXCHANGE = 'qubicle.events';
/**
 * Fanout exchange of the gateways' event feed: the same recipient events, batched per worker turn
 * (bus/events/recipient-event-batch.ts). Each gateway binds one server-named queue to it.
 */
export const FEED_EXCHANGE = 'qubicle.events.feed';
/** Where invalid or unprocessable messages go (fanout), and the queue that keeps them. */
export const DEAD_LETTER_EXCHANGE = 'qubicle.dead-letter';
export const DEAD_LETTER_QUEUE = 'qubicle.dead-letter';
/** RPC queue for documents (users, accounts) and auth look-ups, served by every worker. */
export const DIRECTORY_QUEUE = 'qubicle.directory';
/** Broadcast control messages between workers (topic; see bus/control/cluster-control.ts). */
export const CONTROL_EXCHANGE = 'qubicle.control';
/**
 * Topic exchange of the directory's auth notices for the gateways' token caches (routing key
 * `auth.{type}`, bus/auth/auth-notice.ts). Each gateway binds one server-named queue to it.
 */
export const AUTH_EXCHANGE = 'qubicle.auth';

/**
 * A worker node's presence queue: non-durable, consumed (exclusively) by that node only, and
 * deleted by the broker PRESENCE_EXPIRES_MS after its consumer is gone (`x-expires`). A call to it
 * that comes back unroutable proves the node's broker connection is gone (crashed, killed).
 */
export function presenceQueue(node: string): string {
  return `qubicle.node.${node}`;
}
export const PRESENCE_EXPIRES_MS = 1000;
export function presenceQueueArguments(): Record<string, unknown> {
  return { 'x-expires': PRESENCE_EXPIRES_MS };
}

/** Durable command queue of one shard; commands are published to it through the default exchange. */
export function shardQueue(shard: number): string {
  return `qubicle.recipient.shard.${shard}`;
}

/** The shard of a shard queue name (`qubicle.recipient.shard.N`), or undefined for any other name. */
export function shardOfQueue(name: string): number | undefined {
  const m = /^qubicle\.recipient\.shard\.(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
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
