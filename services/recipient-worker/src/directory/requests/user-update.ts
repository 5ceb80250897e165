import type { UserDocReply, UserUpdateRequest } from '@qubicle/contracts';
import { notFound, revisionConflict } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { saveUserChange, withRetries } from '../user-writes.js';
import { userDocFromWrite, userDocReply } from '../users.js';

/**
 * POST /users/{id}: replaces the document (KAZOO defaults apply to omitted fields; id and
 * account_id are kept). `rev` given and not the current one → conflict. A password → new
 * credentials; a username change without a password → credentials cleared (see user-writes.ts).
 * Disabling the user or their qubicle while they are logged in logs them out first.
 */
export async function userUpdate(req: UserUpdateRequest, ctx: DirectoryContext): Promise<UserDocReply> {
  return withRetries(req.user_id, req.rev !== undefined, async () => {
    const existing = await ctx.store.getUser(req.account_id, req.user_id);
    if (!existing) throw notFound(req.user_id);
    if (req.rev !== undefined && req.rev !== existing.rev) throw revisionConflict(req.user_id);
    const next = userDocFromWrite(existing.doc.account_id, existing.doc.id, req.user);
    return userDocReply(await saveUserChange(ctx, existing, next, req.user.password));
  });
}
