import type { RecipientSetEnabledRequest, UserDocReply } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { logoutIfIneligible, saveUserChange, withRetries } from '../user-writes.js';
import { isRecipient, userDocReply, withQubicleEnabled } from '../users.js';

/**
 * POST /qubicle_recipients/{id}/enable|disable: sets users.qubicle.enabled (any user of the
 * account can be made a recipient). Already in the asked state → the current document, no write.
 * Disabling a logged-in recipient logs them out first (also when qubicle was already disabled).
 */
export async function recipientSetEnabled(req: RecipientSetEnabledRequest, ctx: DirectoryContext): Promise<UserDocReply> {
  return withRetries(req.recipient_id, false, async () => {
    const existing = await ctx.store.getUser(req.account_id, req.recipient_id);
    if (!existing) throw notFound(req.recipient_id);
    if (isRecipient(existing.doc) === req.enabled) {
      // Still make sure nobody stays logged in as a disabled recipient (e.g. a login that raced a disable).
      if (!req.enabled) await logoutIfIneligible(ctx, existing.doc, existing.doc);
      return userDocReply(existing);
    }
    const next = withQubicleEnabled(existing.doc, req.enabled);
    return userDocReply(await saveUserChange(ctx, existing, next, undefined));
  });
}
