/**
 * The queue side of the directory: presenting queue documents, and the checks every roster and
 * roles write makes before anything is stored (so a refused write changes nothing):
 * - a roster names only recipients (users with qubicle.enabled) of the queue's own account: an id
 *   of another account's user, of a user who is not a recipient, or of nobody is the same 400
 *   `recipients.unknown_recipient` (which of these it is would tell a client about other accounts).
 *   A member already on this roster may stay even while not a recipient (disabled since): a client
 *   resending the roster it read is not refused for it, and re-enabling them keeps their queues.
 *   A deleted user is taken off every roster and manager list (user-delete, forgetQueueMember);
 * - a recipient may be on at most MAX_QUEUES_PER_RECIPIENT queues, the bound of their per-queue
 *   flags (`queue_availability`): the roster is what those flags refer to;
 * - managers are users of the account;
 * - `timeout_redirect` names another queue of the account.
 */
import {
  MAX_QUEUES_PER_RECIPIENT,
  normaliseRoster,
  type QueueDoc,
  type QueueDocReply,
  type ValidationDetails,
} from '@qubicle/contracts';
import type { StoredQueue } from '../store/port.js';
import { invalidData, notFound } from './errors.js';
import type { DirectoryContext } from './types.js';
import { isRecipient } from './users.js';

/** How many offending ids a detail lists (the rest are counted). */
const LISTED_IDS = 10;

export function queueDocReply(stored: StoredQueue): QueueDocReply {
  return { doc: stored.doc, rev: stored.rev };
}

/** The queue, or 404 bad identifier (cause: the queue id). */
export async function queueOrFail(ctx: DirectoryContext, accountId: string, queueId: string): Promise<StoredQueue> {
  const stored = await ctx.store.getQueue(accountId, queueId);
  if (!stored) throw notFound(queueId);
  return stored;
}

/** The account exists, or 404 (a write to an unknown account creates nothing). */
export async function accountOrFail(ctx: DirectoryContext, accountId: string): Promise<void> {
  if (!(await ctx.store.getAccount(accountId))) throw notFound(accountId);
}

function idsDetail(field: string, rule: string, message: string, ids: string[]): ValidationDetails {
  return { [field]: { [rule]: { message, cause: ids[0], target: ids.slice(0, LISTED_IDS) } } };
}

/** Refuses (400, nothing changed) a roster naming anyone who is not a recipient of the account, or too many queues for one recipient. */
export async function checkRoster(ctx: DirectoryContext, accountId: string, queueId: string, recipientIds: readonly string[]): Promise<string[]> {
  const roster = normaliseRoster(recipientIds);
  if (roster.length === 0) return roster;
  const [users, current] = await Promise.all([ctx.store.listUsers(accountId, { qubicleOnly: true }), ctx.store.getRoster(accountId, queueId)]);
  const allowed = new Set([...users.filter((u) => isRecipient(u.doc)).map((u) => u.doc.id), ...(current ?? [])]);
  const unknown = roster.filter((id) => !allowed.has(id));
  if (unknown.length > 0) {
    throw invalidData(idsDetail('recipients', 'unknown_recipient', `${unknown.length} of the ids are not recipients of this account`, unknown));
  }
  const membership = await ctx.store.listMembership(accountId, roster);
  const full = roster.filter((id) => (membership[id] ?? []).filter((q) => q !== queueId).length >= MAX_QUEUES_PER_RECIPIENT);
  if (full.length > 0) {
    throw invalidData(idsDetail('recipients', 'max_queues', `${full.length} of the recipients are already on ${MAX_QUEUES_PER_RECIPIENT} queues (the most per-queue flags a recipient holds)`, full));
  }
  return roster;
}

/** Refuses (400) managers who are not users of the account. */
export async function checkManagers(ctx: DirectoryContext, accountId: string, managers: readonly string[]): Promise<string[]> {
  const wanted = normaliseRoster(managers);
  if (wanted.length === 0) return wanted;
  const users = new Set((await ctx.store.listUsers(accountId)).map((u) => u.doc.id));
  const unknown = wanted.filter((id) => !users.has(id));
  if (unknown.length > 0) throw invalidData(idsDetail('managers', 'unknown_user', `${unknown.length} of the ids are not users of this account`, unknown));
  return wanted;
}

/** A normalised write, or 400 with its Crossbar details. */
export function validOrFail<T>(v: { ok: true; value: T } | { ok: false; details: ValidationDetails }): T {
  if (!v.ok) throw invalidData(v.details);
  return v.value;
}

/** `timeout_redirect` names another queue of the same account (an overflow into nowhere would lose callers). */
export async function checkRedirect(ctx: DirectoryContext, accountId: string, doc: QueueDoc): Promise<void> {
  const target = doc.timeout_redirect;
  if (target === undefined) return;
  if (target === doc.id) throw invalidData({ timeout_redirect: { not_self: { message: 'A queue cannot overflow into itself', cause: target } } });
  if (!(await ctx.store.getQueue(accountId, target))) {
    throw invalidData({ timeout_redirect: { unknown_queue: { message: 'timeout_redirect must name a queue of this account', cause: target } } });
  }
}
