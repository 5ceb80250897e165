import type { QueueRoles, QueueRolesSetRequest } from '@qubicle/contracts';
import { checkManagers, queueOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

/** The queue's roles replaced; every manager a user of the account (else 400, nothing changed). */
export async function queueRolesSet(req: QueueRolesSetRequest, ctx: DirectoryContext): Promise<QueueRoles> {
  await queueOrFail(ctx, req.account_id, req.queue_id);
  const managers = await checkManagers(ctx, req.account_id, req.roles.managers);
  return ctx.store.setQueueRoles(req.account_id, req.queue_id, { managers });
}
