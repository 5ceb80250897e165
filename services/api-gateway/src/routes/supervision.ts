/**
 * Who may change a recipient's state (set status, log out, end wrap-up, the other actions): the
 * recipient themselves, an admin (or the account's api token), or a manager of a queue whose
 * roster names the recipient (a supervisor acts on the members of the queues they manage). The
 * managers are asked of the directory only when the cheap checks failed, so an agent acting on
 * themselves costs nothing more.
 */
import type { GatewayContext } from '../context.js';
import { canActOnRecipient, isQueueManager } from '../auth/permissions.js';
import { failures } from '../crossbar/errors.js';
import { callContextOf, param, principalOf, type RouteDeps } from './deps.js';

export async function assertCanSupervise(ctx: GatewayContext, deps: RouteDeps, recipientId: string): Promise<void> {
  const p = principalOf(ctx);
  if (canActOnRecipient(p, recipientId)) return;
  if (p.ownerId !== undefined && (await managesQueueOf(ctx, deps, p.ownerId, recipientId))) return;
  throw failures.forbidden('a user may only change their own recipient, or a member of a queue they manage');
}

/**
 * The bulk set's check: every recipient named is the user themselves or a member of a queue they
 * manage (one membership look-up for all of them, then the roles of their queues); else 403 for
 * the whole request, nothing sent.
 */
export async function assertCanSuperviseAll(ctx: GatewayContext, deps: RouteDeps, recipientIds: readonly string[]): Promise<void> {
  const p = principalOf(ctx);
  const others = [...new Set(recipientIds.filter((id) => !canActOnRecipient(p, id)))];
  if (others.length === 0) return;
  const refused = () => failures.forbidden('a user may only change their own recipient, or members of a queue they manage');
  if (p.ownerId === undefined) throw refused();
  const accountId = param(ctx, 'account_id');
  const call = callContextOf(ctx);
  const membership = await deps.rpc.callDirectory({ type: 'queue_membership', account_id: accountId, recipient_ids: others }, call);
  const managed = new Map<string, boolean>();
  for (const id of others) {
    let ok = false;
    for (const queueId of membership[id] ?? []) {
      if (!managed.has(queueId)) {
        const roles = await deps.rpc.callDirectory({ type: 'queue_roles_get', account_id: accountId, queue_id: queueId }, call);
        managed.set(queueId, isQueueManager(p, roles));
      }
      if (managed.get(queueId)) {
        ok = true;
        break;
      }
    }
    if (!ok) throw refused();
  }
}

/** `userId` manages one of the queues whose roster names `recipientId`. */
async function managesQueueOf(ctx: GatewayContext, deps: RouteDeps, userId: string, recipientId: string): Promise<boolean> {
  const accountId = param(ctx, 'account_id');
  const call = callContextOf(ctx);
  const membership = await deps.rpc.callDirectory({ type: 'queue_membership', account_id: accountId, recipient_ids: [recipientId] }, call);
  const queues = membership[recipientId] ?? [];
  for (const queueId of queues) {
    const roles = await deps.rpc.callDirectory({ type: 'queue_roles_get', account_id: accountId, queue_id: queueId }, call);
    if (isQueueManager({ ...principalOf(ctx), ownerId: userId }, roles)) return true;
  }
  return false;
}
