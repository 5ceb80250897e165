import type { RecipientListItem, RecipientListRequest } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { compareUserDocs, isRecipient, recipientListItem } from '../users.js';

/** [{id, name: "First Last"}] of the users with qubicle enabled, in the users summary order. */
export async function recipientList(req: RecipientListRequest, ctx: DirectoryContext): Promise<RecipientListItem[]> {
  const [account, users] = await Promise.all([
    ctx.store.getAccount(req.account_id),
    ctx.store.listUsers(req.account_id, { qubicleOnly: true }),
  ]);
  if (!account) throw notFound(req.account_id);
  return users
    .map((u) => u.doc)
    .filter(isRecipient)
    .sort(compareUserDocs)
    .map(recipientListItem);
}
