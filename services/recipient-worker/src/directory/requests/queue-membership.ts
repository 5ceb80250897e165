import type { QueueMembership, QueueMembershipRequest } from '@qubicle/contracts';
import { accountOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

export async function queueMembership(req: QueueMembershipRequest, ctx: DirectoryContext): Promise<QueueMembership> {
  const [, membership] = await Promise.all([accountOrFail(ctx, req.account_id), ctx.store.listMembership(req.account_id, req.recipient_ids)]);
  return membership;
}
