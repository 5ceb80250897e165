import type { AuthApiRequest, AuthIdentity } from '@qubicle/contracts';
import { unauthorized } from '../errors.js';
import type { DirectoryContext } from '../types.js';

/** KAZOO api_auth: the account whose api_key it is acts as an admin without an owner. */
export async function authApi(req: AuthApiRequest, ctx: DirectoryContext): Promise<AuthIdentity> {
  // The api_key is matched in any case the contract allows (hex); we generate lower-case keys.
  const account = await ctx.store.getAccountByApiKey(req.api_key.toLowerCase());
  if (!account) {
    ctx.logger.info({ request_id: ctx.requestId }, 'directory: api_auth refused');
    throw unauthorized();
  }
  return { account_id: account.id, account_name: account.name, priv_level: 'admin' };
}
