/**
 * A monitor request needs facts about two recipients who may live on different shards
 * and nodes. They are gathered here, BEFORE the request enters the acting recipient's
 * mailbox: asking another shard from inside a mailbox could wait on a mailbox that waits
 * on us.
 */
import { newKazooId, shardQueue, validateRpcReply, type MonitorCommand, type RecipientStatus } from '@qubicle/contracts';
import type { Bus } from '@qubicle/transport';
import type { ActorRegistry } from '../actor/registry.js';
import type { MonitorContext } from '../machine/index.js';
import type { DirectoryStore } from '../store/port.js';

export interface MonitorContextDeps {
  store: Pick<DirectoryStore, 'getUser'>;
  bus: Pick<Bus, 'call'>;
  registry: ActorRegistry;
  /** Is the target's shard served here (then it is asked in its mailbox, not over the bus)? */
  serves(shard: number): boolean;
  shardCount: number;
  /** timeout of the status call to the target's shard */
  rpcTimeoutMs: number;
}

export async function resolveMonitorContext(cmd: MonitorCommand, deps: MonitorContextDeps): Promise<MonitorContext> {
  const [actor, target] = await Promise.all([deps.store.getUser(cmd.account_id, cmd.recipient_id), deps.store.getUser(cmd.account_id, cmd.target_id)]);
  const actor_can_monitor = actor?.doc.qubicle?.permissions?.monitor === true;
  const target_in_account = target !== null && target.doc.account_id === cmd.account_id && target.doc.qubicle?.enabled === true;
  // Only worth a round trip when the answer can matter.
  const target_logged_in = actor_can_monitor && target_in_account && cmd.target_id !== cmd.recipient_id ? await isLoggedIn(cmd, deps) : false;
  return { actor_can_monitor, target_in_account, target_logged_in };
}

async function isLoggedIn(cmd: MonitorCommand, deps: MonitorContextDeps): Promise<boolean> {
  const shard = deps.registry.shardOf(cmd.account_id, cmd.target_id);
  const query = {
    type: 'get_status' as const,
    command_id: newKazooId(),
    account_id: cmd.account_id,
    recipient_id: cmd.target_id,
    shard_count: deps.shardCount,
  };
  const reply = deps.serves(shard)
    ? await deps.registry.dispatch(cmd.account_id, cmd.target_id, query)
    : await deps.bus.call(shardQueue(shard), query, { timeoutMs: deps.rpcTimeoutMs });
  const parsed = validateRpcReply(reply);
  if (!parsed.ok) throw new Error(`invalid reply from shard ${shard}`);
  if (!parsed.value.ok) {
    if (parsed.value.error.code === 'not_found') return false;
    throw new Error(`status of monitor target failed: ${parsed.value.error.code}: ${parsed.value.error.message}`);
  }
  return (parsed.value.data as RecipientStatus).availability_state !== 'Not-Logged-In';
}
