import type { QueueRoles, QueueRolesGetRequest } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';

export async function queueRolesGet(req: QueueRolesGetRequest, ctx: DirectoryContext): Promise<QueueRoles> {
  const roles = await ctx.store.getQueueRoles(req.account_id, req.queue_id);
  if (roles === null) throw notFound(req.queue_id);
  return roles;
}
