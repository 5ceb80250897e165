/**
 * The write path shared by user_update, user_patch and recipient_set_enabled.
 *
 * Order of a change: (1) checks that need no side effect (revision, username free), (2) the new
 * credentials (scrypt), (3) logging the recipient out when the change makes them ineligible
 * (deleted / disabled / qubicle disabled) and they are logged in, (4) the conditional write, with
 * the user's token generation raised when the change ends their tokens (tokens.ts), (5) then the
 * `principal_changed` notice that makes every gateway drop those tokens.
 *
 * Credentials rule: KAZOO clients log in with md5("username:password"), so the stored hash is
 * bound to the username (lower-cased). A new password makes new credentials; a username
 * change (other than in letter case) without a password makes the stored credentials useless,
 * so they are cleared: that user cannot log in until given a new password.
 */
import type { StoredUser, UserDoc } from '@qubicle/contracts';
import { StoreError, type UserCredentials } from '../store/port.js';
import { invalidData, notFound, revisionConflict, usernameInUse } from './errors.js';
import type { DirectoryContext } from './types.js';
import { mayBeLoggedIn, usernameKey } from './users.js';
import { credentialsOf } from './credentials.js';
import { tokenEndingChange, tokenGeneration, withTokenGeneration } from './tokens.js';

/** How many times a read-modify-write without a client `rev` is retried after losing a race. */
export const WRITE_ATTEMPTS = 3;

/** Internal signal: the store refused the write because the document changed since we read it. */
export class LostRace extends Error {
  constructor() {
    super('user changed concurrently');
    this.name = 'LostRace';
  }
}

/** conflict unless no other user of the account has this username (case-insensitive). */
export async function ensureUsernameFree(ctx: DirectoryContext, accountId: string, username: string, userId: string | null): Promise<void> {
  if (usernameKey(username) === null) return;
  const other = await ctx.store.getUserByUsername(accountId, username);
  if (other && other.doc.id !== userId) throw usernameInUse(username);
}

/** Credentials for a password; a password needs a username (it is part of KAZOO's md5). */
export async function credentialsForPassword(ctx: DirectoryContext, doc: UserDoc, password: string): Promise<UserCredentials> {
  if (usernameKey(doc.username) === null) {
    throw invalidData({ username: { required: { message: 'Field is required but missing' } } });
  }
  return ctx.credentials.hashCredentials(credentialsOf(doc.username, password));
}

/** Logs the user out first when `next` (null = deleted) makes them ineligible and they are logged in. */
export async function logoutIfIneligible(ctx: DirectoryContext, current: UserDoc, next: UserDoc | null): Promise<void> {
  if (next !== null && mayBeLoggedIn(next)) return;
  const loggedIn = await ctx.store.loadRecipient(current.account_id, current.id);
  if (loggedIn === null) return;
  const reason = next === null ? 'user_deleted' : next.enabled === false ? 'user_disabled' : 'qubicle_disabled';
  ctx.logger.info({ account_id: current.account_id, recipient_id: current.id, reason, request_id: ctx.requestId }, 'directory: logging recipient out');
  const info: { reason: string; requestId?: string } = { reason };
  if (ctx.requestId !== undefined) info.requestId = ctx.requestId;
  await ctx.logoutRecipient(current.account_id, current.id, info);
}

/**
 * Writes `next` over `existing` (whose rev was read just before): checks the username, computes
 * the credentials (password given → new; username changed without password → cleared), logs the
 * recipient out if needed, then updates conditionally on `existing.rev`.
 * A store conflict becomes LostRace (the caller retries or answers conflict).
 */
export async function saveUserChange(
  ctx: DirectoryContext,
  existing: StoredUser,
  next: UserDoc,
  password: string | undefined,
): Promise<StoredUser> {
  const usernameChanged = usernameKey(next.username) !== usernameKey(existing.doc.username);
  if (usernameChanged) await ensureUsernameFree(ctx, next.account_id, next.username, next.id);
  let creds: UserCredentials | null | undefined;
  if (password !== undefined) creds = await credentialsForPassword(ctx, next, password);
  else if (usernameChanged) creds = null;
  const endsTokens = tokenEndingChange(existing.doc, next);
  const doc = withTokenGeneration(existing.doc, next, endsTokens !== null);
  await logoutIfIneligible(ctx, existing.doc, doc);
  let saved: StoredUser;
  try {
    saved = await ctx.store.updateUser(doc, existing.rev, creds);
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'conflict') throw new LostRace();
    if (err instanceof StoreError && err.kind === 'not_found') throw notFound(next.id);
    throw err;
  }
  if (endsTokens !== null) {
    await ctx.notify(
      { type: 'principal_changed', account_id: doc.account_id, user_id: doc.id, reason: endsTokens, token_generation: tokenGeneration(doc), at: ctx.now() },
      ctx.requestId,
    );
  }
  return saved;
}

/**
 * Runs a read-modify-write. Without a client revision it is retried a few times when another
 * writer got in between (the caller re-reads each time); with one, a lost race is a conflict.
 */
export async function withRetries<T>(userId: string, clientRev: boolean, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof LostRace)) throw err;
      if (clientRev || i >= WRITE_ATTEMPTS) throw revisionConflict(userId);
    }
  }
}
