/**
 * The RPC handler of the shard queues. Routing is a table from message type to route;
 * every route answers an RpcReply that names this node. Each message passes the ownership gate
 * ONCE (shards/ownership-gate.ts), for the shard queue it came from, before anything is looked at:
 *   - a shard not held here (lost, or stale by this node's clock after a freeze): requeued, for its owner;
 *   - a held shard that is SUSPENDED (its lease cannot be renewed: the store does not answer,
 *     docs/cluster.md): 503 naming the store, nothing executed;
 *   - not a shard queue: `misrouted`.
 * Then it must be valid (contract schema), carry this cluster's shard count, and name recipients
 * of that very shard (`misrouted` otherwise: a routing bug of the sender, not retryable). Writes
 * go through the store's fence. A fire-and-forget message that cannot be answered goes to the
 * dead-letter queue rather than being lost.
 */
import {
  DEAD_LETTER_EXCHANGE,
  detailLines,
  errorReply,
  isQueueMessageType,
  okReply,
  shardKeysOf,
  validateQueueMessage,
  type OfferCommand,
  shardOfQueue,
  validateShardMessage,
  type BulkStatusData,
  type GetSnapshotCommand,
  type GetSnapshotReply,
  type GetStatusManyCommand,
  type MonitorCommand,
  type QubicleError,
  type RecipientCommand,
  type RecipientStatus,
  type RpcReply,
  type ShardMessage,
} from '@qubicle/contracts';
import { NO_REPLY, REQUEUE, deadLetterHeaders, type Bus, type IncomingMessage, type Logger, type RpcHandler } from '@qubicle/transport';
import type { ActorRegistry } from '../actor/registry.js';
import { routeQueueMessage } from '../queue/runtime/queue-routes.js';
import type { QueueRegistry } from '../queue/runtime/queue-registry.js';
import type { SessionHost } from '../queue/runtime/session-host.js';
import type { OwnershipGate } from '../shards/ownership-gate.js';
import type { Fence, Store } from '../store/port.js';
import { resolveMonitorContext } from './monitor-context.js';
import { QUEUE_SENDERS, SHARD_SENDERS, senderRefusal, type SenderRoles } from './senders.js';

export interface ShardHandlerDeps {
  registry: ActorRegistry;
  /** Which shards this node may act for now, under which epoch (shards/ownership-gate.ts). */
  gate: Pick<OwnershipGate, 'admit' | 'serves'>;
  /** `listLeases`: the offer's queue fence is checked against the store's lease of the queue's shard */
  store: Pick<Store, 'getUser'> & Partial<Pick<Store, 'listLeases'>>;
  /** The node's running queues (queue/runtime): messages to queues are routed to them; absent = refused. */
  queues?: QueueRegistry;
  /** The caller sessions of the held shards (session_request / session_report); absent = refused. */
  sessions?: SessionHost;
  /** `call`: monitor target look-ups; `publish`: dead-lettering invalid fire-and-forget messages. */
  bus: Pick<Bus, 'call'> & Partial<Pick<Bus, 'publish'>>;
  logger: Logger;
  node: string;
  shardCount: number;
  /** timeout of calls this handler makes to other shards (monitor target status) */
  rpcTimeoutMs?: number;
  /** BUS_SENDERS: accept each command only from a user_id whose role may send it (senders.ts); absent = from anyone */
  senders?: SenderRoles;
}

/** `fence`: the one the gate admitted the message under; writes go to the store with it. */
type Route<T extends ShardMessage['type']> = (msg: Extract<ShardMessage, { type: T }>, deps: ShardHandlerDeps, fence: Fence) => Promise<RpcReply<unknown>>;

/** Commands that go straight into the recipient's mailbox. */
const toActor = (msg: Exclude<RecipientCommand, MonitorCommand>, deps: ShardHandlerDeps, fence: Fence): Promise<RpcReply<unknown>> =>
  deps.registry.dispatch(msg.account_id, msg.recipient_id, msg, fence);

export const SHARD_ROUTES: { [T in ShardMessage['type']]: Route<T> } = {
  login: toActor,
  logout: toActor,
  set_status: toActor,
  wrapup_extend: toActor,
  wrapup_cancel: toActor,
  monitor_stop: toActor,
  get_status: toActor,
  offer: offerRoute,
  answer: toActor,
  reject: toActor,
  withdraw: toActor,
  hangup: toActor,
  monitor: monitorRoute,
  get_status_many: getStatusMany,
  get_snapshot: getSnapshot,
};

export function createShardHandler(deps: ShardHandlerDeps): RpcHandler {
  const fail = (error: QubicleError): RpcReply<never> => errorReply(error, deps.node);
  return async (incoming: IncomingMessage) => {
    // The one ownership check of this message. Not held (lease lost, or no longer valid by this
    // node's clock after a freeze: the gate then has the shard given up and its consumer
    // cancelled): back to the queue for the owner, never executed here. Suspended: still ours
    // (nobody can take the lease through a store that does not answer), so requeueing would bring
    // it straight back here; answered at once, nothing ran: the caller may retry.
    const admission = deps.gate.admit(shardOfQueue(incoming.routingKey));
    if (admission.kind === 'requeue') return REQUEUE;
    if (admission.kind === 'refuse') {
      if (incoming.replyTo === undefined) return deadLetter(incoming, `${admission.error.code}: ${admission.error.message}`, deps);
      return fail(admission.error);
    }
    if (deps.senders) {
      const type = (incoming.body as { type?: unknown } | null)?.type;
      const refusal = senderRefusal(deps.senders, isQueueMessageType(type) ? QUEUE_SENDERS : SHARD_SENDERS, incoming.userId, incoming.body);
      if (refusal !== undefined) {
        deps.logger.warn(
          { correlationId: incoming.correlationId, requestId: incoming.requestId, queue: incoming.routingKey, userId: incoming.userId?.slice(0, 64), fireAndForget: incoming.replyTo === undefined, reason: refusal },
          'shard message refused: sender not allowed',
        );
        if (incoming.replyTo === undefined) return deadLetter(incoming, `forbidden: ${refusal}`, deps);
        return fail({ code: 'forbidden', message: refusal });
      }
    }
    if (isQueueMessageType((incoming.body as { type?: unknown } | null)?.type)) return queueMessage(incoming, admission, deps);
    const parsed = validateShardMessage(incoming.body);
    if (!parsed.ok) {
      const message = `invalid shard message: ${detailLines(parsed.details).join('; ')}`;
      deps.logger.warn(
        {
          correlationId: incoming.correlationId,
          messageId: incoming.messageId,
          requestId: incoming.requestId,
          queue: incoming.routingKey,
          fireAndForget: incoming.replyTo === undefined,
          details: parsed.details,
        },
        'invalid shard message',
      );
      // No replyTo = nobody hears a reply: the message goes to the dead-letter queue instead.
      if (incoming.replyTo === undefined) return deadLetter(incoming, `invalid_message: ${message}`, deps);
      return fail({ code: 'invalid_message', message });
    }
    const msg = parsed.value;
    if (msg.shard_count !== deps.shardCount) {
      if (incoming.replyTo === undefined) {
        deps.logger.warn({ correlationId: incoming.correlationId, type: msg.type, got: msg.shard_count, expected: deps.shardCount }, 'fire-and-forget message with another shard count');
        return deadLetter(incoming, `shard_mismatch: routed with ${msg.shard_count} shards, this cluster has ${deps.shardCount}`, deps);
      }
      return fail({
        code: 'shard_mismatch',
        message: `message routed with ${msg.shard_count} shards, this cluster has ${deps.shardCount}`,
        expected: deps.shardCount,
        got: msg.shard_count,
      });
    }
    // The right count, the wrong queue: no lease look-up, the admitted shard is compared.
    const misrouted = admission.route(msg.account_id, 'recipient_ids' in msg ? msg.recipient_ids : [msg.recipient_id]);
    if (misrouted !== null) {
      deps.logger.warn({ correlationId: incoming.correlationId, type: msg.type, queue: incoming.routingKey, reason: misrouted.message }, 'misrouted shard message');
      if (incoming.replyTo === undefined) return deadLetter(incoming, `misrouted: ${misrouted.message}`, deps);
      return fail(misrouted);
    }
    try {
      const route = SHARD_ROUTES[msg.type] as Route<ShardMessage['type']>;
      const reply = await route(msg, deps, admission.fence);
      // The shard was lost while this command waited or ran (its write was fenced, nothing changed):
      // the new owner executes it (a command applied before is answered from recent_commands).
      // (Not when it was suspended meanwhile: it is still ours, the reply names the store.)
      if (!reply.ok && reply.error.code === 'unavailable' && admission.lost()) return REQUEUE;
      if (!reply.ok && incoming.replyTo === undefined && reply.error.code === 'unavailable') {
        // The store failed (nothing changed): kept in the dead-letter queue, not lost without a trace.
        return deadLetter(incoming, `unavailable: ${reply.error.message}`, deps);
      }
      if (!reply.ok && incoming.replyTo === undefined) {
        // A valid fire-and-forget call event refused by the recipient's state (e.g. a duplicate
        // hangup): nothing changed, and nobody hears the reply, so the log keeps it.
        deps.logger.info(
          { correlationId: incoming.correlationId, type: msg.type, recipient_id: 'recipient_id' in msg ? msg.recipient_id : undefined, error: reply.error },
          'fire-and-forget message refused',
        );
      }
      return reply;
    } catch (err) {
      deps.logger.error({ err, type: msg.type, correlationId: incoming.correlationId }, 'shard message failed');
      return fail({ code: 'internal', message: `${msg.type} failed on ${deps.node}` });
    }
  };
}

/**
 * An offer from a queue process carries its queue's fence: refused (`stale_queue`, nothing changed)
 * when the store's lease of the queue's shard is newer, i.e. the sender is a zombie whose queue
 * was taken over (docs/queues.md, Failover guarantees).
 */
async function offerRoute(msg: OfferCommand, deps: ShardHandlerDeps, fence: Fence): Promise<RpcReply<unknown>> {
  if (msg.queue_fence && deps.store.listLeases) {
    const qf = msg.queue_fence;
    const lease = (await deps.store.listLeases()).find((l) => l.shard === qf.shard);
    if (lease && lease.epoch > qf.epoch) {
      deps.logger.warn({ recipient_id: msg.recipient_id, queue_id: msg.call.queue_id, queue_fence: qf, lease_epoch: lease.epoch }, 'offer of a stale queue process refused');
      return okReply({ accepted: false, reason: 'stale_queue' }, deps.node);
    }
  }
  return toActor(msg, deps, fence);
}

/** A message to a running queue: validated, shard count and routing checked, then the queue's route. */
async function queueMessage(incoming: IncomingMessage, admission: Extract<ReturnType<ShardHandlerDeps['gate']['admit']>, { kind: 'serve' }>, deps: ShardHandlerDeps): Promise<RpcReply<unknown> | typeof NO_REPLY> {
  const fail = (error: QubicleError): RpcReply<never> => errorReply(error, deps.node);
  const parsed = validateQueueMessage(incoming.body);
  if (!parsed.ok) {
    const message = `invalid queue message: ${detailLines(parsed.details).join('; ')}`;
    if (incoming.replyTo === undefined) return deadLetter(incoming, `invalid_message: ${message}`, deps);
    return fail({ code: 'invalid_message', message });
  }
  const msg = parsed.value;
  if (msg.shard_count !== deps.shardCount) {
    return fail({ code: 'shard_mismatch', message: `message routed with ${msg.shard_count} shards, this cluster has ${deps.shardCount}`, expected: deps.shardCount, got: msg.shard_count });
  }
  const misrouted = admission.route(msg.account_id, shardKeysOf(msg));
  if (misrouted !== null) return fail(misrouted);
  const { queues, sessions } = deps;
  const none = () => fail({ code: 'feature_disabled', message: 'this worker runs no queues', feature: 'queues' });
  try {
    // a caller session's messages go to the session host, the others to the running queues
    const reply =
      msg.type === 'session_request' || msg.type === 'session_report'
        ? !sessions
          ? none()
          : msg.type === 'session_request'
            ? await sessions.request(msg, admission.fence)
            : await sessions.report(msg, admission.fence)
        : !queues
          ? none()
          : await routeQueueMessage(msg, { queues, node: deps.node }, admission.fence);
    if (!reply.ok && reply.error.code === 'unavailable' && admission.lost()) return REQUEUE as never;
    return reply;
  } catch (err) {
    deps.logger.error({ err, type: msg.type }, 'queue message failed');
    return fail({ code: 'internal', message: `${msg.type} failed on ${deps.node}` });
  }
}

async function monitorRoute(msg: MonitorCommand, deps: ShardHandlerDeps, fence: Fence): Promise<RpcReply<unknown>> {
  let context;
  try {
    context = await resolveMonitorContext(msg, { ...deps, serves: (shard) => deps.gate.serves(shard), rpcTimeoutMs: deps.rpcTimeoutMs ?? 5_000 });
  } catch (err) {
    deps.logger.warn({ err, recipient_id: msg.recipient_id, target_id: msg.target_id }, 'monitor context could not be resolved');
    return errorReply({ code: 'unavailable', message: `could not check monitor target ${msg.target_id}: ${(err as Error).message}` }, deps.node);
  }
  return deps.registry.dispatch(msg.account_id, msg.recipient_id, { ...msg, context }, fence);
}

/**
 * The statuses of several recipients of this shard. A recipient without an actor here is not
 * logged in (this node loaded every logged-in recipient of the shard when it took it).
 */
async function getStatusMany(msg: GetStatusManyCommand, deps: ShardHandlerDeps): Promise<RpcReply<unknown>> {
  const ids = [...new Set(msg.recipient_ids)];
  const entries = await Promise.all(
    ids.map(async (id): Promise<[string, RecipientStatus | 'not_logged_in', number?] | RpcReply<never>> => {
      const actor = deps.registry.peek(msg.account_id, id);
      if (!actor) return [id, 'not_logged_in'];
      const reply = await actor.send({ type: 'get_status', command_id: msg.command_id, account_id: msg.account_id, recipient_id: id, shard_count: msg.shard_count });
      if (!reply.ok) return reply.error.code === 'not_found' ? [id, 'not_logged_in'] : (reply as RpcReply<never>);
      const status = reply.data as RecipientStatus;
      return status.availability_state === 'Not-Logged-In' ? [id, 'not_logged_in'] : [id, status, reply.seq];
    }),
  );
  const data: BulkStatusData = {};
  // each status's seq (read in its mailbox with it): the gateway's read model refreshes from a bulk read too
  const seqs: Record<string, number> = {};
  for (const entry of entries) {
    if (!Array.isArray(entry)) return entry;
    data[entry[0]] = entry[1];
    if (entry[2] !== undefined) seqs[entry[0]] = entry[2];
  }
  const reply: RpcReply<BulkStatusData> = { ok: true, data, node: deps.node, seqs };
  return reply;
}

/**
 * Status + seq of several recipients of this shard, each read through its mailbox (consistent
 * pairs, see RecipientActor.snapshot). Recipients without an actor here are not logged in and left out.
 */
async function getSnapshot(msg: GetSnapshotCommand, deps: ShardHandlerDeps): Promise<RpcReply<unknown>> {
  const data: GetSnapshotReply = {};
  const ids = [...new Set(msg.recipient_ids)];
  const snaps = await Promise.all(ids.map((id) => deps.registry.peek(msg.account_id, id)?.snapshot() ?? Promise.resolve(null)));
  for (const [i, snap] of snaps.entries()) {
    if (snap === 'stopped') return errorReply({ code: 'unavailable', message: `shard moved away from ${deps.node}; retry` }, deps.node);
    const id = ids[i];
    if (snap && id !== undefined) data[id] = snap;
  }
  return okReply(data, deps.node);
}

/**
 * Publishes a message nobody can answer to the dead-letter exchange (routing key = the queue it
 * came from), then lets the transport ack it: never requeued, never a hot loop. Shard queues have
 * no queue-level dead-letter exchange on purpose (see names.ts), so this is the only way in.
 */
async function deadLetter(incoming: IncomingMessage, reason: string, deps: ShardHandlerDeps): Promise<typeof NO_REPLY> {
  // the same headers as the transport's own dead letters (invalid JSON, invalid reply address)
  const headers = deadLetterHeaders({
    queue: incoming.routingKey,
    headers: incoming.headers,
    reason,
    ...(incoming.messageId !== undefined ? { messageId: incoming.messageId } : {}),
    ...(incoming.correlationId !== undefined ? { correlationId: incoming.correlationId } : {}),
  });
  const publish = deps.bus.publish;
  if (!publish) {
    deps.logger.error({ correlationId: incoming.correlationId, reason }, 'no bus to dead-letter with; message dropped');
    return NO_REPLY;
  }
  try {
    await publish.call(deps.bus, DEAD_LETTER_EXCHANGE, incoming.routingKey, incoming.body, { headers });
    deps.logger.warn({ correlationId: incoming.correlationId, queue: incoming.routingKey, reason }, 'message dead-lettered');
  } catch (err) {
    // Acked anyway: a message that cannot be handled must not come back in a loop.
    deps.logger.error({ err, correlationId: incoming.correlationId, reason }, 'dead-letter publish failed; message dropped');
  }
  return NO_REPLY;
}
