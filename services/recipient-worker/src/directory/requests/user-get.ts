import type { UserDocReply, UserGetRequest } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { userDocReply } from '../users.js';

export async function userGet(req: UserGetRequest, ctx: DirectoryContext): Promise<UserDocReply> {
  const stored = await ctx.store.getUser(req.account_id, req.user_id);
  if (!stored) throw notFound(req.user_id);
  return userDocReply(stored);
}
