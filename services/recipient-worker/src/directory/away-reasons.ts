/**
 * The away-reason catalogue as the directory keeps it: in the account document
 * (`qubicle.away_reasons`), read and written through the directory store like every other account
 * setting, so that the worker's actors find it with the account settings they already read (and
 * cache 5 s; an unknown reason makes them read again once). Admin writes are rare: a write is a
 * read-modify-write of the account document (two admins writing the same account in the same
 * instant may lose one change: the later write wins, as for the account's other settings).
 */
import {
  MAX_AWAY_REASONS,
  MISSED_CALLS_REASON,
  awayReasonList,
  validateAwayReason,
  type AccountDoc,
  type AwayReason,
  type AwayReasonFields,
} from '@qubicle/contracts';
import { invalidData, notFound } from './errors.js';
import type { DirectoryContext } from './types.js';

export async function accountOrFail(ctx: DirectoryContext, accountId: string): Promise<AccountDoc> {
  const account = await ctx.store.getAccount(accountId);
  if (!account) throw notFound(accountId);
  return account;
}

/** The account's own entries (without the built-in ones). */
export function ownReasons(account: AccountDoc): AwayReason[] {
  return (account.qubicle?.away_reasons ?? []).filter((e) => e.name !== MISSED_CALLS_REASON.name);
}

export function listOf(account: AccountDoc): AwayReason[] {
  return awayReasonList(ownReasons(account));
}

/** The built-in entries cannot be changed or deleted (the missed-call policy relies on missed_calls). */
export function refuseBuiltIn(name: string): void {
  if (name === MISSED_CALLS_REASON.name) {
    throw invalidData({ name: { built_in: { message: `"${name}" is built into every catalogue and cannot be changed`, cause: name } } });
  }
}

/** An entry from the fields (null removes an optional one); invalid_data unless the result is a valid entry. */
export function entryOf(name: string, base: Partial<AwayReason>, fields: AwayReasonFields): AwayReason {
  const merged: Record<string, unknown> = { ...base, name };
  for (const [k, v] of Object.entries(fields)) {
    if (v === null) delete merged[k];
    else if (v !== undefined) merged[k] = v;
  }
  const v = validateAwayReason(merged);
  if (!v.ok) throw invalidData(v.details);
  return v.value;
}

/** Stores the account's own entries (sorted by name) in its document. */
export async function saveReasons(ctx: DirectoryContext, account: AccountDoc, entries: AwayReason[]): Promise<void> {
  if (entries.length > MAX_AWAY_REASONS) {
    throw invalidData({ name: { maxItems: { message: `An account has at most ${MAX_AWAY_REASONS} away reasons`, target: MAX_AWAY_REASONS } } });
  }
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  await ctx.store.updateAccount({ ...account, qubicle: { ...account.qubicle, away_reasons: sorted }, modified: ctx.now() });
}
