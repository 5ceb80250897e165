import type { AccountFindRequest, AccountView } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';
import { accountView } from './account-get.js';

/** The account with that name (case-insensitive), without its api_key. */
export async function accountFind(req: AccountFindRequest, ctx: DirectoryContext): Promise<AccountView> {
  const account = await ctx.store.getAccountByName(req.name);
  if (!account) throw notFound(req.name);
  return accountView(account);
}
