import type { UserDocReply, UserPatchRequest } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { saveUserChange, withRetries } from '../user-writes.js';
import { patchUserDoc, userDocReply } from '../users.js';

/**
 * PATCH /users/{id}: merges the given fields (recursively, so `qubicle.permissions.monitor`
 * can be set alone; null removes a pass-through field). Same credential and logout rules as
 * user_update. Written conditionally on the revision read; retried if another writer got in.
 */
export async function userPatch(req: UserPatchRequest, ctx: DirectoryContext): Promise<UserDocReply> {
  return withRetries(req.user_id, false, async () => {
    const existing = await ctx.store.getUser(req.account_id, req.user_id);
    if (!existing) throw notFound(req.user_id);
    const next = patchUserDoc(existing.doc, req.patch);
    return userDocReply(await saveUserChange(ctx, existing, next, req.patch.password));
  });
}
