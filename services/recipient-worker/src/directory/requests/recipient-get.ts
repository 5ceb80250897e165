import type { RecipientGetRequest, UserDocReply } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { isRecipient, userDocReply } from '../users.js';

/** The recipient configuration is its users document; a user who is not a recipient is a 404. */
export async function recipientGet(req: RecipientGetRequest, ctx: DirectoryContext): Promise<UserDocReply> {
  const stored = await ctx.store.getUser(req.account_id, req.recipient_id);
  if (!stored || !isRecipient(stored.doc)) throw notFound(req.recipient_id);
  return userDocReply(stored);
}
