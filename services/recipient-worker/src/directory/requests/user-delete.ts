import type { UserDeleteRequest, UserDocReply } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { logoutIfIneligible } from '../user-writes.js';
import { userDocReply } from '../users.js';

/**
 * DELETE /users/{id}: a logged-in recipient is logged out first, and taken off every queue's roster
 * and manager list; replies with the deleted document.
 * Every gateway is told (`principal_changed` user_deleted) that the user's tokens are void.
 */
export async function userDelete(req: UserDeleteRequest, ctx: DirectoryContext): Promise<UserDocReply> {
  const existing = await ctx.store.getUser(req.account_id, req.user_id);
  if (!existing) throw notFound(req.user_id);
  await logoutIfIneligible(ctx, existing.doc, null);
  // off every roster and manager list first: a roster never names a user who is gone (a failure
  // here leaves the user in place, and a retried delete finishes both)
  const queues = (await ctx.store.listMembership(req.account_id, [req.user_id]))[req.user_id] ?? [];
  await ctx.store.forgetQueueMember(req.account_id, req.user_id);
  if (!(await ctx.store.deleteUser(req.account_id, req.user_id))) throw notFound(req.user_id);
  // the queues they were on take their new rosters
  await ctx.queueProcess.changed(req.account_id, queues, ctx.requestId);
  await ctx.notify({ type: 'principal_changed', account_id: req.account_id, user_id: req.user_id, reason: 'user_deleted', at: ctx.now() }, ctx.requestId);
  return userDocReply(existing);
}
