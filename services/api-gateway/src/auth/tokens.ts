/**
 * Auth tokens: JWTs signed with HS256 (jose). Claims: account_id, owner_id (absent for
 * api_auth), priv_level, account_name, exp, iat, jti. Every gateway of a cluster shares the
 * secret, so any of them accepts a token another issued. Tokens are never logged.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { isKazooId, type AuthIdentity } from '@qubicle/contracts';
import { failures } from '../crossbar/errors.js';
import type { Principal } from './principal.js';

export interface TokenService {
  /** A new token for `identity`, valid for the configured TTL from now. */
  issue(identity: AuthIdentity): Promise<string>;
  /** The principal of a valid token; throws QubicleFailure 'unauthorized' otherwise (bad signature, expired, malformed). */
  verify(token: string): Promise<Principal>;
}

export interface TokenServiceOptions {
  secret: string;
  ttlSeconds: number;
  /** ms since epoch (tests move time) */
  clock?: () => number;
}

const ALG = 'HS256';

export function createTokenService(opts: TokenServiceOptions): TokenService {
  const key = new TextEncoder().encode(opts.secret);
  const now = opts.clock ?? Date.now;

  return {
    async issue(identity) {
      const iat = Math.floor(now() / 1000);
      const claims: Record<string, unknown> = {
        account_id: identity.account_id,
        account_name: identity.account_name,
        priv_level: identity.priv_level,
      };
      if (identity.owner_id !== undefined) claims['owner_id'] = identity.owner_id;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: ALG, typ: 'JWT' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + opts.ttlSeconds)
        .setJti(randomUUID())
        .sign(key);
    },

    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [ALG],
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'iat', 'jti'],
        }));
      } catch {
        throw failures.unauthorized();
      }
      const accountId = payload['account_id'];
      const accountName = payload['account_name'];
      const ownerId = payload['owner_id'];
      const privLevel = payload['priv_level'];
      const jti = payload['jti'];
      if (
        !isKazooId(accountId) ||
        typeof accountName !== 'string' ||
        (ownerId !== undefined && !isKazooId(ownerId)) ||
        (privLevel !== 'admin' && privLevel !== 'user') ||
        typeof jti !== 'string'
      ) {
        throw failures.unauthorized();
      }
      const p: Principal = { accountId, accountName, privLevel, tokenId: jti };
      if (ownerId !== undefined) p.ownerId = ownerId;
      return p;
    },
  };
}
