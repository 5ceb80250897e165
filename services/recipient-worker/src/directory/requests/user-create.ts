import { newKazooId, type UserCreateRequest, type UserDocReply } from '@qubicle/contracts';
import { StoreError, type UserCredentials } from '../../store/port.js';
import { notFound, usernameInUse } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { credentialsForPassword, ensureUsernameFree } from '../user-writes.js';
import { userDocFromWrite, userDocReply, usernameKey } from '../users.js';

/**
 * PUT /users: a new id, KAZOO defaults merged with the body, the password turned into
 * credentials (never stored in the document). A username already used in the account
 * (case-insensitive) is a conflict "username already in use".
 */
export async function userCreate(req: UserCreateRequest, ctx: DirectoryContext): Promise<UserDocReply> {
  const account = await ctx.store.getAccount(req.account_id);
  if (!account) throw notFound(req.account_id);
  const doc = userDocFromWrite(req.account_id, newKazooId(), req.user);
  await ensureUsernameFree(ctx, req.account_id, doc.username, null);
  let creds: UserCredentials | null = null;
  if (req.user.password !== undefined) creds = await credentialsForPassword(ctx, doc, req.user.password);
  try {
    return userDocReply(await ctx.store.createUser(doc, creds));
  } catch (err) {
    // Lost a race with another create of the same username.
    if (err instanceof StoreError && err.kind === 'conflict' && usernameKey(doc.username) !== null) {
      const other = await ctx.store.getUserByUsername(req.account_id, doc.username);
      if (other) throw usernameInUse(doc.username);
    }
    throw err;
  }
}
