/**
 * Auth tokens: JWTs signed with HS256 (jose). Claims: account_id, owner_id (absent for
 * api_auth), priv_level, account_name, gen (the user's token generation, when not 0), exp, iat,
 * jti. Every gateway of a cluster shares the secret, so any of them accepts a token another issued.
 * Tokens are never logged (their jti may be).
 *
 * A valid signature is not enough: the user may have been deleted, disabled or demoted since, or
 * the token deleted (DELETE /v2/token_auth). With a `directory`, `verify` also asks it
 * (`token_check`) before trusting a token, and token-trust.ts decides how long that answer holds
 * (notices on the bus end tokens at once; see docs/bus.md). A token used again and again costs no
 * RPC: one check per token, then Map look-ups.
 */
import { createSecretKey, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import {
  QubicleFailure,
  isKazooId,
  type AuthIdentity,
  type TokenCheck,
  type TokenCheckRequest,
  type TokenInvalidReason,
  type TokenRevokeRequest,
} from '@qubicle/contracts';
import type { Logger } from '@qubicle/transport';
import { failures } from '../crossbar/errors.js';
import { principalFromIdentity, type Principal } from './principal.js';
import { TokenCache, type TokenEntry } from './token-cache.js';
import { TokenTrust } from './token-trust.js';

/** What a sync look-up knows of a token (live sockets check theirs every second). */
export type TokenStanding = 'trusted' | 'ended' | 'unchecked';

export interface TokenService {
  /**
   * A new token for `identity`, valid for the configured TTL from now. Only for an identity the
   * directory has just vouched for (user_auth / api_auth): the token starts out trusted.
   */
  issue(identity: AuthIdentity): Promise<string>;
  /**
   * The principal of a token that may be used now; throws QubicleFailure 'unauthorized' otherwise
   * (bad signature, expired, malformed, refused by the directory, ended by a notice), or the
   * directory's failure ('unavailable' / 'timeout') when it could not be asked.
   */
  verify(token: string): Promise<Principal>;
  /** Ends a verified token everywhere (DELETE /v2/token_auth): recorded by the directory until its exp, broadcast. */
  revoke(token: string, requestId?: string): Promise<void>;
  /** Without asking anyone: ended (refused), trusted, or to be checked on its next use. */
  standing(token: string): TokenStanding;
  /** The revocation state fed by the auth notices (revocation-feed.ts). */
  readonly trust: TokenTrust;
}

/** The directory requests the token service needs (the gateway's RPC client). */
export interface TokenDirectory {
  callDirectory(request: TokenCheckRequest | TokenRevokeRequest, call?: { requestId?: string }): Promise<unknown>;
}

export interface TokenServiceOptions {
  secret: string;
  ttlSeconds: number;
  /** ms since epoch (tests move time) */
  clock?: () => number;
  /** Verified tokens remembered (default 10,000; 0 = verify every time). */
  cacheSize?: number;
  /** Asked before a token is trusted; absent = the signature alone decides (tools and unit tests). */
  directory?: TokenDirectory;
  /** How long a "valid" answer is trusted (AUTH_TOKEN_RECHECK_MS; default 60 s). */
  recheckMs?: number;
  logger?: Logger;
  /** Outcome of each token_check (valid, refused, failed). */
  onCheck?: (outcome: 'valid' | 'refused' | 'failed', reason?: TokenInvalidReason) => void;
}

const ALG = 'HS256';
export const DEFAULT_RECHECK_MS = 60_000;

export function createTokenService(opts: TokenServiceOptions): TokenService {
  const secret = new TextEncoder().encode(opts.secret);
  // imported once (jose would import a raw Uint8Array key on every verify)
  const key = createSecretKey(secret);
  const now = opts.clock ?? Date.now;
  const cache = new TokenCache(opts.cacheSize ?? 10_000);
  const trust = new TokenTrust({ recheckMs: opts.recheckMs ?? DEFAULT_RECHECK_MS, maxTokenLifetimeMs: opts.ttlSeconds * 1000 });
  const directory = opts.directory;

  async function decode(token: string): Promise<TokenEntry> {
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
    const gen = payload['gen'] ?? 0;
    const exp = payload['exp'];
    if (
      !isKazooId(accountId) ||
      typeof accountName !== 'string' ||
      (ownerId !== undefined && !isKazooId(ownerId)) ||
      (privLevel !== 'admin' && privLevel !== 'user') ||
      typeof jti !== 'string' ||
      typeof gen !== 'number' ||
      !Number.isSafeInteger(gen) ||
      gen < 0 ||
      typeof exp !== 'number'
    ) {
      throw failures.unauthorized();
    }
    const principal: Principal = { accountId, accountName, privLevel, tokenId: jti, expiresAt: exp * 1000 };
    if (ownerId !== undefined) principal.ownerId = ownerId;
    return { principal, generation: gen, checkedAt: Number.NEGATIVE_INFINITY, checkedEpoch: -1, refused: false };
  }

  /** Signature checks in flight: a burst of requests with one new token decodes (and asks about) it once. */
  const decoding = new Map<string, Promise<TokenEntry>>();

  /** The cached entry of a token, or the token decoded (signature checked) and cached. */
  async function entryOf(token: string): Promise<TokenEntry> {
    const cached = cache.get(token, now());
    if (cached) return cached;
    let pending = decoding.get(token);
    if (!pending) {
      pending = decode(token)
        .then((entry) => {
          cache.set(token, entry);
          return entry;
        })
        .finally(() => decoding.delete(token));
      decoding.set(token, pending);
    }
    return pending;
  }

  /** Asks the directory; concurrent uses of one token share one question. */
  function check(entry: TokenEntry, dir: TokenDirectory): Promise<void> {
    entry.pending ??= (async () => {
      const epoch = trust.epoch;
      const askedAt = now();
      const p = entry.principal;
      try {
        const answer = (await dir.callDirectory({
          type: 'token_check',
          account_id: p.accountId,
          ...(p.ownerId !== undefined ? { user_id: p.ownerId } : {}),
          token_id: p.tokenId,
          token_generation: entry.generation,
          priv_level: p.privLevel,
        })) as TokenCheck;
        if (answer.valid === true) {
          entry.checkedAt = askedAt;
          entry.checkedEpoch = epoch;
          opts.onCheck?.('valid');
        } else {
          entry.refused = true;
          opts.onCheck?.('refused', answer.reason);
          opts.logger?.info({ account_id: p.accountId, owner_id: p.ownerId, token_id: p.tokenId, reason: answer.reason }, 'token refused by the directory');
        }
      } catch (err) {
        opts.onCheck?.('failed');
        throw err;
      } finally {
        entry.pending = undefined;
      }
    })();
    return entry.pending;
  }

  return {
    trust,

    async issue(identity) {
      const iat = Math.floor(now() / 1000);
      const claims: Record<string, unknown> = {
        account_id: identity.account_id,
        account_name: identity.account_name,
        priv_level: identity.priv_level,
      };
      if (identity.owner_id !== undefined) claims['owner_id'] = identity.owner_id;
      const generation = identity.token_generation ?? 0;
      if (generation > 0) claims['gen'] = generation;
      const jti = randomUUID();
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: ALG, typ: 'JWT' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + opts.ttlSeconds)
        .setJti(jti)
        .sign(key);
      // the directory vouched for this identity a moment ago: no question on the first use
      const principal = principalFromIdentity(identity, jti, (iat + opts.ttlSeconds) * 1000);
      cache.set(token, { principal, generation, checkedAt: now(), checkedEpoch: trust.epoch, refused: false });
      return token;
    },

    async verify(token) {
      const at = now();
      // the hot path (a token used again and again): a Map hit and a few comparisons, no await
      const entry = cache.get(token, at) ?? (await entryOf(token));
      if (!directory) return entry.principal;
      if (!entry.refused && trust.ended(entry)) entry.refused = true;
      if (entry.refused) throw failures.unauthorized();
      if (trust.trusts(entry, at)) return entry.principal;
      await check(entry, directory);
      // a notice may have arrived while the directory answered from what it read before
      if (!entry.refused && trust.ended(entry)) entry.refused = true;
      if (entry.refused) throw failures.unauthorized();
      return entry.principal;
    },

    async revoke(token, requestId) {
      const entry = await entryOf(token);
      if (!directory) throw failures.internal('token revocation needs the directory');
      const p = entry.principal;
      await directory.callDirectory(
        {
          type: 'token_revoke',
          account_id: p.accountId,
          ...(p.ownerId !== undefined ? { user_id: p.ownerId } : {}),
          token_id: p.tokenId,
          expires_at: entry.principal.expiresAt,
        },
        requestId !== undefined ? { requestId } : {},
      );
      // here at once, without waiting for our own notice to come back
      entry.refused = true;
      trust.apply({ type: 'token_revoked', account_id: p.accountId, token_id: p.tokenId, expires_at: entry.principal.expiresAt, at: now() }, now());
    },

    standing(token) {
      const entry = cache.get(token, now());
      if (!entry) return 'unchecked';
      if (entry.refused || (directory !== undefined && trust.ended(entry))) return 'ended';
      return directory === undefined || trust.trusts(entry, now()) ? 'trusted' : 'unchecked';
    },
  };
}

/** An 'unauthorized' failure (refused token), as opposed to the directory being unreachable. */
export function isRefusal(err: unknown): boolean {
  return err instanceof QubicleFailure && err.error.code === 'unauthorized';
}
