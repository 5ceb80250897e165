/**
 * Who may send what to the worker's queues (BUS_SENDERS, docs/bus.md#who-may-send-what).
 *
 * Every role that can call the workers publishes through the default exchange, and RabbitMQ's
 * permissions cannot tell one message from another there: write on `amq.default` is write to any
 * queue. What the broker can do is vouch for the sender: it refuses a publish whose `user_id` is
 * not the connection's user. So, when BUS_SENDERS maps broker users to roles, a worker accepts a
 * shard command or a directory request only with a `user_id` whose role may send that type:
 *
 *   worker   everything (the cluster itself: monitor look-ups, logouts of deleted users)
 *   gateway  what the HTTP API sends: the agent's own commands and reads, the directory
 *   service  a queue or media service: call events (offer … hangup), status reads, and the
 *            directory look-ups a queue needs (never users' documents nor password checks, which
 *            the gateway rate-limits)
 *
 * The tables are mapped types over the message types: a new command or request does not compile
 * until someone decides who may send it.
 */
import type { DirectoryRequestType, QueueMessageType, ShardMessage } from '@qubicle/contracts';

export const SENDER_ROLES = ['worker', 'gateway', 'service'] as const;
export type SenderRole = (typeof SENDER_ROLES)[number];

/** The roles other than `worker` (which may send everything) allowed to send each shard message. */
export const SHARD_SENDERS: { readonly [T in ShardMessage['type']]: readonly Exclude<SenderRole, 'worker'>[] } = {
  login: ['gateway'],
  logout: ['gateway'],
  set_status: ['gateway'],
  wrapup_extend: ['gateway'],
  wrapup_cancel: ['gateway'],
  monitor: ['gateway'],
  monitor_stop: ['gateway'],
  get_status: ['gateway', 'service'],
  get_status_many: ['gateway', 'service'],
  get_snapshot: ['gateway'],
  offer: ['service'],
  answer: ['service'],
  reject: ['service'],
  withdraw: ['service'],
  hangup: ['service'],
};

/** The same for messages to running queues and caller sessions (queue_join, queue_hangup, session_*, stop_queue: between workers only). */
export const QUEUE_SENDERS: { readonly [T in QueueMessageType]: readonly Exclude<SenderRole, 'worker'>[] } = {
  get_queue_status: ['gateway', 'service'],
  list_queue_sessions: ['gateway', 'service'],
  queue_session_action: ['gateway'],
  ensure_queues_started: ['gateway', 'service'],
  queue_join: [],
  queue_hangup: [],
  session_request: [],
  session_report: [],
  stop_queue: [],
};

/** The same for directory requests. */
export const DIRECTORY_SENDERS: { readonly [T in DirectoryRequestType]: readonly Exclude<SenderRole, 'worker'>[] } = {
  auth_user: ['gateway'],
  auth_api: ['gateway'],
  account_get: ['gateway', 'service'],
  account_find: ['gateway', 'service'],
  user_list: ['gateway'],
  user_get: ['gateway'],
  user_create: ['gateway'],
  user_update: ['gateway'],
  user_patch: ['gateway'],
  user_delete: ['gateway'],
  recipient_list: ['gateway', 'service'],
  recipient_get: ['gateway'],
  recipient_set_enabled: ['gateway'],
  cluster_info: ['gateway', 'service'],
  cluster_view: ['gateway'],
  session_list: ['gateway', 'service'],
  audit_list: ['gateway'],
  // a gateway checks and ends its clients' tokens; nobody else may learn or end them
  token_check: ['gateway'],
  token_revoke: ['gateway'],
  // queue documents, rosters and roles: the API's; a queue service reads a queue and its roster
  queue_list: ['gateway', 'service'],
  queue_get: ['gateway', 'service'],
  queue_create: ['gateway'],
  queue_update: ['gateway'],
  queue_patch: ['gateway'],
  queue_delete: ['gateway'],
  queue_roster_get: ['gateway', 'service'],
  queue_roster_set: ['gateway'],
  queue_roster_clear: ['gateway'],
  queue_roster_all: ['gateway', 'service'],
  queue_membership: ['gateway', 'service'],
  queue_roles_get: ['gateway'],
  queue_roles_set: ['gateway'],
  // the away-reason catalogue: the API's (the worker's actors read it from the store themselves)
  away_reason_list: ['gateway', 'service'],
  away_reason_write: ['gateway'],
  away_reason_delete: ['gateway'],
  recipient_summary: ['gateway', 'service'],
};

/** Broker user → role (parsed from BUS_SENDERS by config.ts). */
export type SenderRoles = ReadonlyMap<string, SenderRole>;

/**
 * Why a message may not be handled, or undefined when it may. A type this queue does not know is
 * let through: the handler refuses it as invalid anyway.
 */
export function senderRefusal(
  roles: SenderRoles,
  table: Readonly<Record<string, readonly SenderRole[]>>,
  userId: string | undefined,
  body: unknown,
): string | undefined {
  const type = (body as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(table, type)) return undefined;
  if (userId === undefined) return `${type} refused: the message has no user_id (every sender must set it: docs/bus.md#who-may-send-what)`;
  const role = roles.get(userId);
  if (role === undefined) return `${type} refused: broker user '${userId.slice(0, 64)}' is not listed in BUS_SENDERS`;
  if (role === 'worker' || table[type]!.includes(role)) return undefined;
  return `${type} refused: the ${role} role may not send it`;
}
