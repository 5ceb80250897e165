import type { TokenRevoked, TokenRevokeRequest } from '@qubicle/contracts';
import type { DirectoryContext } from '../types.js';

/**
 * DELETE /v2/token_auth: the jti is recorded until the token's expiry, then every gateway is told.
 * Only the gateway asks this, for the verified token of the request itself (the bus is not open to
 * clients); the jti alone cannot end anyone else's token unless one knows it, and a jti is only in
 * the token.
 */
export async function tokenRevoke(req: TokenRevokeRequest, ctx: DirectoryContext): Promise<TokenRevoked> {
  const now = ctx.now();
  // an already expired token needs no record (nothing would accept it anyway)
  if (req.expires_at > now) await ctx.store.revokeToken(req.token_id, req.expires_at, now);
  ctx.logger.info({ account_id: req.account_id, user_id: req.user_id, request_id: ctx.requestId }, 'directory: token deleted');
  await ctx.notify(
    {
      type: 'token_revoked',
      account_id: req.account_id,
      ...(req.user_id !== undefined ? { user_id: req.user_id } : {}),
      token_id: req.token_id,
      expires_at: req.expires_at,
      at: now,
    },
    ctx.requestId,
  );
  return { revoked: true };
}
