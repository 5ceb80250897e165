/** Who a request acts for, as read from a verified token. */
import type { AuthIdentity, CommandBase, PrivLevel } from '@qubicle/contracts';

export interface Principal {
  accountId: string;
  accountName: string;
  /** The user the token acts for; absent for api_auth tokens (the account itself). */
  ownerId?: string;
  privLevel: PrivLevel;
  /** jti of the token (for audit logs; the token itself is never logged). */
  tokenId: string;
  /**
   * exp of the token, ms since epoch: read once, when the signature is verified (tokens.ts), so
   * that nothing decodes the token again to learn when it ends (live sockets close at it).
   */
  expiresAt: number;
}

/** An admin user, or an api_auth token (which acts for the account as a whole). */
export function isAdmin(p: Principal): boolean {
  return p.privLevel === 'admin' || p.ownerId === undefined;
}

/** `by` of the commands sent on this principal's behalf. */
export function commandActor(p: Principal): NonNullable<CommandBase['by']> {
  return p.ownerId === undefined ? { priv_level: p.privLevel } : { user_id: p.ownerId, priv_level: p.privLevel };
}

/** The principal of a token issued for `identity` (jti `tokenId`, exp `expiresAt` in ms). */
export function principalFromIdentity(identity: AuthIdentity, tokenId: string, expiresAt: number): Principal {
  const p: Principal = {
    accountId: identity.account_id,
    accountName: identity.account_name,
    privLevel: identity.priv_level,
    tokenId,
    expiresAt,
  };
  if (identity.owner_id !== undefined) p.ownerId = identity.owner_id;
  return p;
}
