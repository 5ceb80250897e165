/**
 * Auth tokens: JWTs signed with HS256 (jose). Claims: account_id, owner_id (absent for
 * api_auth), priv_level, account_name, exp, iat, jti. Every gateway of a cluster shares the
 * secret, so any of them accepts a token another issued. Tokens are never logged.
 */
import { createSecretKey, randomUUID } from 'node:crypto';
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
  /** Verified tokens remembered (default 10,000; 0 = verify every time). */
  cacheSize?: number;
}

const ALG = 'HS256';

/**
 * Verifying an HS256 signature through WebCrypto costs ~150 µs of CPU (a quarter of a cached GET
 * status, docs/performance.md), and an agent desktop or wallboard sends the same token with every
 * request. A token that verified once is remembered with its principal until it expires: a token
 * is immutable and signed, nothing can revoke it before `exp` (there is no revocation list), and
 * `exp` is still checked against the clock on every use. Failures are never remembered.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; expMs: number }>();
  constructor(private readonly max: number) {}

  get(token: string, now: number): Principal | undefined {
    const hit = this.entries.get(token);
    if (!hit) return undefined;
    if (now >= hit.expMs) {
      this.entries.delete(token);
      return undefined;
    }
    return hit.principal;
  }

  set(token: string, principal: Principal, expMs: number): void {
    if (this.max <= 0) return;
    if (this.entries.size >= this.max) {
      // the oldest insertion goes (Map iterates in insertion order)
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { principal, expMs });
  }
}

export function createTokenService(opts: TokenServiceOptions): TokenService {
  const secret = new TextEncoder().encode(opts.secret);
  // imported once (jose would import a raw Uint8Array key on every verify)
  const key = createSecretKey(secret);
  const now = opts.clock ?? Date.now;
  const verified = new VerifiedTokens(opts.cacheSize ?? 10_000);

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
      const cached = verified.get(token, now());
      if (cached) return cached;
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
      if (typeof payload['exp'] === 'number') verified.set(token, p, payload['exp'] * 1000);
      return p;
    },
  };
}
