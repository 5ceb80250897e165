import type { AuthIdentity, AuthUserRequest, StoredUser } from '@qubicle/contracts';
import { unauthorized } from '../errors.js';
import { tokenGeneration } from '../tokens.js';
import type { DirectoryContext } from '../types.js';

/**
 * KAZOO user_auth: account by name (case-insensitive) → candidate users by credential bucket →
 * scrypt verify. An unknown account, no candidate, a wrong password and a disabled user all
 * answer the same `unauthorized`, and each costs at least one scrypt (against a dummy hash when
 * there is nothing to verify against), so neither the reply nor its timing tells which it was.
 */
export async function authUser(req: AuthUserRequest, ctx: DirectoryContext): Promise<AuthIdentity> {
  const account = await ctx.store.getAccountByName(req.account_name);
  const candidates = account
    ? await ctx.store.findUsersByCredentialBucket(account.id, ctx.credentials.credentialBucket(req.credentials))
    : [];
  let match: StoredUser | null = null;
  if (candidates.length === 0) {
    await ctx.credentials.verifyCredentials(req.credentials, ctx.credentials.dummyHash);
  } else {
    for (const candidate of candidates) {
      if (await ctx.credentials.verifyCredentials(req.credentials, candidate.hash)) {
        match = candidate.user;
        break;
      }
    }
  }
  if (!account || !match || match.doc.enabled === false) {
    ctx.logger.info({ account_name: req.account_name, request_id: ctx.requestId }, 'directory: user_auth refused');
    throw unauthorized();
  }
  const identity: AuthIdentity = {
    account_id: account.id,
    account_name: account.name,
    owner_id: match.doc.id,
    priv_level: match.doc.priv_level === 'admin' ? 'admin' : 'user',
  };
  const generation = tokenGeneration(match.doc);
  if (generation > 0) identity.token_generation = generation;
  return identity;
}
