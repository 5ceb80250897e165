import type { UserListItem, UserListRequest } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { compareUserDocs, userListItem } from '../users.js';

/** KAZOO's users summary, sorted by last_name, first_name. An unknown account is a 404. */
export async function userList(req: UserListRequest, ctx: DirectoryContext): Promise<UserListItem[]> {
  const [account, users] = await Promise.all([ctx.store.getAccount(req.account_id), ctx.store.listUsers(req.account_id)]);
  if (!account) throw notFound(req.account_id);
  return users
    .map((u) => u.doc)
    .sort(compareUserDocs)
    .map(userListItem);
}
