/**
 * Whether a verified token may be used without asking the directory again, and what ended
 * tokens before they expire.
 *
 * A signed token cannot be recalled, so the gateway asks the directory (`token_check`) before it
 * trusts one, and remembers the answer. What makes that answer go stale:
 * - a notice from the directory (AUTH_EXCHANGE, revocation-feed.ts): a user deleted, disabled,
 *   demoted or no longer a recipient (`principal_changed`: every token of that user issued before
 *   the change), a token deleted (`token_revoked`). Applied at once to every token, cached or not;
 *   they are remembered (bounded, until the tokens they end have expired) so that a check or a
 *   log-in answered just before the notice cannot bring a token back;
 * - the feed not running, or the bus having been down: notices may have been missed, so every
 *   answer given before is asked again on the token's next use (the epoch moves on);
 * - age: an answer older than AUTH_TOKEN_RECHECK_MS is asked again (bounds the damage of a notice
 *   lost on the way, e.g. one the directory could not publish).
 * None of this costs anything on the hot path: a few Map look-ups per request.
 */
import type { AuthNotice } from '@qubicle/contracts';
import type { TokenEntry } from './token-cache.js';

export interface TokenTrustOptions {
  /** How long a "valid" answer of the directory is trusted without asking again (ms; 0 = every use). */
  recheckMs: number;
  /** Longest token lifetime (ms): how long a user's revocation must be remembered. */
  maxTokenLifetimeMs: number;
  /** Revocations remembered at most, per kind (the oldest forgotten first; the directory still knows them). */
  maxRemembered?: number;
}

const DEFAULT_MAX_REMEMBERED = 100_000;

function userKey(accountId: string, userId: string): string {
  return `${accountId}/${userId}`;
}

export class TokenTrust {
  /** Moves on whenever notices may have been missed: every answer of an older epoch is asked again. */
  epoch = 0;
  /** A notice feed exists for this gateway (false: answers are only bounded by recheckMs). */
  private feedExpected = false;
  /** The feed is subscribed and its bus connected: notices are arriving. */
  private feedUp = false;
  /** user → token generation below which their tokens are ended (Infinity: deleted), and until when that matters */
  private readonly users = new Map<string, { generation: number; until: number }>();
  /** jti → its exp (ms): deleted tokens */
  private readonly tokens = new Map<string, number>();
  private readonly maxRemembered: number;

  constructor(private readonly opts: TokenTrustOptions) {
    this.maxRemembered = opts.maxRemembered ?? DEFAULT_MAX_REMEMBERED;
  }

  /** A feed of notices will run (from now on, no feed up = nothing trusted without asking). */
  expectFeed(): void {
    this.feedExpected = true;
    this.feedUp = false;
    this.epoch++;
  }

  /** The feed's state changed (subscribed + connected, or not): answers given before are asked again. */
  setFeedUp(up: boolean): void {
    if (up === this.feedUp) return;
    this.feedUp = up;
    this.epoch++;
  }

  /** May `entry` be used without asking the directory? */
  trusts(entry: TokenEntry, now: number): boolean {
    if (now - entry.checkedAt >= this.opts.recheckMs) return false;
    if (!this.feedExpected) return true;
    return this.feedUp && entry.checkedEpoch === this.epoch;
  }

  /** Has a notice (or a deletion here) ended this token? */
  ended(entry: TokenEntry): boolean {
    const p = entry.principal;
    if (this.tokens.has(p.tokenId)) return true;
    if (p.ownerId === undefined || this.users.size === 0) return false;
    const u = this.users.get(userKey(p.accountId, p.ownerId));
    return u !== undefined && entry.generation < u.generation;
  }

  apply(notice: AuthNotice, now: number): void {
    this.sweep(now);
    if (notice.type === 'token_revoked') {
      this.remember(this.tokens, notice.token_id, notice.expires_at);
      return;
    }
    const key = userKey(notice.account_id, notice.user_id);
    const generation = notice.token_generation ?? Number.POSITIVE_INFINITY;
    const prev = this.users.get(key);
    this.remember(this.users, key, { generation: Math.max(generation, prev?.generation ?? 0), until: now + this.opts.maxTokenLifetimeMs });
  }

  /** How many revocations are remembered (metrics, tests). */
  get remembered(): number {
    return this.users.size + this.tokens.size;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key); // re-inserted last: the map stays in the order of expiry (near enough)
    map.set(key, value);
    while (map.size > this.maxRemembered) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }

  /** Forgets, from the oldest, what can no longer matter (a few per notice: amortised). */
  private sweep(now: number): void {
    for (let i = 0; i < 8; i++) {
      const first = this.users.entries().next().value;
      if (!first || first[1].until > now) break;
      this.users.delete(first[0]);
    }
    for (let i = 0; i < 8; i++) {
      const first = this.tokens.entries().next().value;
      if (!first || first[1] > now) break;
      this.tokens.delete(first[0]);
    }
  }
}
