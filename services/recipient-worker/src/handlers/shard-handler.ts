/**
 * The RPC handler of the shard queues. Routing is a table from message type to route;
 * every route answers an RpcReply that names this node. Before routing, a message must
 * be valid (contract schema), carry this cluster's shard count, and belong to a shard
 * this node holds.
 */
import {
  errorReply,
  okReply,
  validateShardMessage,
  type BulkStatusData,
  type GetStatusManyCommand,
  type MonitorCommand,
  type QubicleError,
  type RecipientCommand,
  type RecipientStatus,
  type RpcReply,
  type ShardMessage,
  type ValidationDetails,
} from '@qubicle/contracts';
import type { Bus, IncomingMessage, Logger, RpcHandler } from '@qubicle/transport';
import type { ActorRegistry } from '../actor/registry.js';
import type { Store } from '../store/port.js';
import { resolveMonitorContext } from './monitor-context.js';

export interface ShardHandlerDeps {
  registry: ActorRegistry;
  /** Does this node hold the shard now? */
  owns(shard: number): boolean;
  store: Pick<Store, 'getUser'>;
  bus: Pick<Bus, 'call'>;
  logger: Logger;
  node: string;
  shardCount: number;
  /** timeout of calls this handler makes to other shards (monitor target status) */
  rpcTimeoutMs?: number;
}

type Route<T extends ShardMessage['type']> = (msg: Extract<ShardMessage, { type: T }>, deps: ShardHandlerDeps) => Promise<RpcReply<unknown>>;

/** Commands that go straight into the recipient's mailbox. */
const toActor = (msg: Exclude<RecipientCommand, MonitorCommand>, deps: ShardHandlerDeps): Promise<RpcReply<unknown>> =>
  deps.registry.dispatch(msg.account_id, msg.recipient_id, msg);

export const SHARD_ROUTES: { [T in ShardMessage['type']]: Route<T> } = {
  login: toActor,
  logout: toActor,
  set_status: toActor,
  wrapup_extend: toActor,
  wrapup_cancel: toActor,
  monitor_stop: toActor,
  get_status: toActor,
  offer: toActor,
  answer: toActor,
  reject: toActor,
  withdraw: toActor,
  hangup: toActor,
  monitor: monitorRoute,
  get_status_many: getStatusMany,
};

export function createShardHandler(deps: ShardHandlerDeps): RpcHandler {
  const fail = (error: QubicleError): RpcReply<never> => errorReply(error, deps.node);
  return async (incoming: IncomingMessage) => {
    const parsed = validateShardMessage(incoming.body);
    if (!parsed.ok) {
      // No replyTo = nobody hears the reply: this log line is all that is left of it.
      deps.logger.warn(
        { correlationId: incoming.correlationId, messageId: incoming.messageId, requestId: incoming.requestId, queue: incoming.routingKey, details: parsed.details },
        'invalid shard message',
      );
      return fail({ code: 'invalid_message', message: `invalid shard message: ${summarise(parsed.details)}` });
    }
    const msg = parsed.value;
    if (msg.shard_count !== deps.shardCount) {
      return fail({
        code: 'shard_mismatch',
        message: `message routed with ${msg.shard_count} shards, this cluster has ${deps.shardCount}`,
        expected: deps.shardCount,
        got: msg.shard_count,
      });
    }
    const ids = msg.type === 'get_status_many' ? msg.recipient_ids : [msg.recipient_id];
    const foreign = ids.map((id) => deps.registry.shardOf(msg.account_id, id)).find((shard) => !deps.owns(shard));
    if (foreign !== undefined) {
      return fail({ code: 'unavailable', message: `shard ${foreign} is not served by ${deps.node} (moving between nodes?); retry` });
    }
    try {
      const route = SHARD_ROUTES[msg.type] as Route<ShardMessage['type']>;
      return await route(msg, deps);
    } catch (err) {
      deps.logger.error({ err, type: msg.type, correlationId: incoming.correlationId }, 'shard message failed');
      return fail({ code: 'internal', message: `${msg.type} failed on ${deps.node}` });
    }
  };
}

async function monitorRoute(msg: MonitorCommand, deps: ShardHandlerDeps): Promise<RpcReply<unknown>> {
  let context;
  try {
    context = await resolveMonitorContext(msg, { ...deps, owns: deps.owns, rpcTimeoutMs: deps.rpcTimeoutMs ?? 5_000 });
  } catch (err) {
    deps.logger.warn({ err, recipient_id: msg.recipient_id, target_id: msg.target_id }, 'monitor context could not be resolved');
    return errorReply({ code: 'unavailable', message: `could not check monitor target ${msg.target_id}: ${(err as Error).message}` }, deps.node);
  }
  return deps.registry.dispatch(msg.account_id, msg.recipient_id, { ...msg, context });
}

/**
 * The statuses of several recipients of this shard. A recipient without an actor here is not
 * logged in (this node loaded every logged-in recipient of the shard when it took it).
 */
async function getStatusMany(msg: GetStatusManyCommand, deps: ShardHandlerDeps): Promise<RpcReply<unknown>> {
  const ids = [...new Set(msg.recipient_ids)];
  const entries = await Promise.all(
    ids.map(async (id): Promise<[string, RecipientStatus | 'not_logged_in'] | RpcReply<never>> => {
      const actor = deps.registry.peek(msg.account_id, id);
      if (!actor) return [id, 'not_logged_in'];
      const reply = await actor.send({ type: 'get_status', command_id: msg.command_id, account_id: msg.account_id, recipient_id: id, shard_count: msg.shard_count });
      if (!reply.ok) return reply.error.code === 'not_found' ? [id, 'not_logged_in'] : (reply as RpcReply<never>);
      const status = reply.data as RecipientStatus;
      return [id, status.availability_state === 'Not-Logged-In' ? 'not_logged_in' : status];
    }),
  );
  const data: BulkStatusData = {};
  for (const entry of entries) {
    if (!Array.isArray(entry)) return entry;
    data[entry[0]] = entry[1];
  }
  return okReply(data, deps.node);
}

function summarise(details: ValidationDetails): string {
  return Object.entries(details)
    .map(([field, rules]) => `${field}: ${Object.values(rules).map((r) => r.message).join(', ')}`)
    .join('; ');
}
