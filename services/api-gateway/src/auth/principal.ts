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
}

/** An admin user, or an api_auth token (which acts for the account as a whole). */
export function isAdmin(p: Principal): boolean {
  return p.privLevel === 'admin' || p.ownerId === undefined;
}

/** `by` of the commands sent on this principal's behalf. */
export function commandActor(p: Principal): NonNullable<CommandBase['by']> {
  return p.ownerId === undefined ? { priv_level: p.privLevel } : { user_id: p.ownerId, priv_level: p.privLevel };
}

export function principalFromIdentity(identity: AuthIdentity, tokenId: string): Principal {
  const p: Principal = {
    accountId: identity.account_id,
    accountName: identity.account_name,
    privLevel: identity.priv_level,
    tokenId,
  };
  if (identity.owner_id !== undefined) p.ownerId = identity.owner_id;
  return p;
}
