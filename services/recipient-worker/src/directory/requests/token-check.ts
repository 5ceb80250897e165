import type { TokenCheck, TokenCheckRequest } from '@qubicle/contracts';
import { tokenGeneration } from '../tokens.js';
import type { DirectoryContext } from '../types.js';

/**
 * Is a verified token still good (see the contract)? Answers `{valid:false, reason}` rather than an
 * error: the gateway caches the answer, and an error reply is kept for "could not tell" (store
 * down), which it must not cache.
 */
export async function tokenCheck(req: TokenCheckRequest, ctx: DirectoryContext): Promise<TokenCheck> {
  const [account, revoked, user] = await Promise.all([
    ctx.store.getAccount(req.account_id),
    ctx.store.isTokenRevoked(req.token_id, ctx.now()),
    req.user_id !== undefined ? ctx.store.getUser(req.account_id, req.user_id) : Promise.resolve(null),
  ]);
  if (!account) return { valid: false, reason: 'account_deleted' };
  if (revoked) return { valid: false, reason: 'token_deleted' };
  if (req.user_id === undefined) return { valid: true };
  if (!user) return { valid: false, reason: 'user_deleted' };
  if (user.doc.enabled === false) return { valid: false, reason: 'user_disabled' };
  // a token never grants more than the user has now (also after a change made outside the API)
  if (req.priv_level === 'admin' && user.doc.priv_level !== 'admin') return { valid: false, reason: 'user_demoted' };
  if (tokenGeneration(user.doc) > req.token_generation) return { valid: false, reason: 'token_superseded' };
  return { valid: true };
}
