import { DEFAULT_MISSED_CALL_THRESHOLD, type AccountDoc, type AccountGetRequest, type AccountView } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';

/** The account without its api_key (a secret that only api_auth ever compares). */
export async function accountGet(req: AccountGetRequest, ctx: DirectoryContext): Promise<AccountView> {
  const account = await ctx.store.getAccount(req.account_id);
  if (!account) throw notFound(req.account_id);
  return accountView(account);
}

export function accountView(account: AccountDoc): AccountView {
  return {
    id: account.id,
    name: account.name,
    features: { pro: account.features?.pro === true },
    qubicle: { missed_call_threshold: account.qubicle?.missed_call_threshold ?? DEFAULT_MISSED_CALL_THRESHOLD },
  };
}
