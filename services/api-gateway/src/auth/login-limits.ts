/**
 * Limits on password (and api key) guessing at PUT /v2/user_auth and /v2/api_auth: after too many
 * FAILED logins within a sliding window, further attempts are answered 429 with Retry-After,
 * without asking the directory (so a guess costs the attacker the wait, and the workers nothing).
 *
 * What is counted, and why not "per user": KAZOO's user_auth sends md5("username:password") and
 * the account name, never the user name, and a wrong password hides the user completely (the
 * directory cannot tell whose password was tried either). So the limits are:
 * - `account_address`: failed user_auth to one account from one client address. This is what
 *   stops one attacker working on one account, while the other users of the account, elsewhere,
 *   log in as usual;
 * - `address`: every failed login (user_auth and api_auth, any account) from one address: an
 *   attacker spraying many accounts, or api keys;
 * - `account`: failed user_auth to one account from every address: a guess spread over many
 *   addresses. When it trips, that account's logins are refused everywhere for the rest of the
 *   window (tokens already issued keep working): high by default, 0 turns it off.
 * Attempts count as failures while they are in flight (so a burst of parallel guesses cannot
 * overtake the count) and are given back when they succeed or fail for another reason than the
 * credentials (a 503). The counts live in this gateway's memory: with N gateways behind a load
 * balancer the allowance is up to N times the figure (see docs). Bounded: at most `maxKeys` keys
 * per limit, the least recently failed forgotten first.
 */
export type LoginLimitName = 'account_address' | 'address' | 'account';

export interface LoginLimitsOptions {
  windowMs: number;
  /** failures allowed per window and key; 0 = that limit is off */
  perAccountAddress: number;
  perAddress: number;
  perAccount: number;
  maxKeys?: number;
}

/** One limit: the failure times of each key within the window (oldest first). */
export class FailureWindow {
  private readonly keys = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** ms until `key` may try again; 0 = now. */
  retryAfter(key: string, now: number): number {
    if (this.limit <= 0) return 0;
    const times = this.live(key, now);
    if (times === undefined || times.length < this.limit) return 0;
    // the failure whose leaving the window brings the count below the limit
    return times[times.length - this.limit]! + this.windowMs - now;
  }

  record(key: string, at: number): void {
    if (this.limit <= 0) return;
    const times = this.live(key, at) ?? [];
    times.push(at);
    this.keys.delete(key); // last = most recently failed
    this.keys.set(key, times);
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next().value;
      if (oldest === undefined) break;
      this.keys.delete(oldest);
    }
  }

  /** Gives back one failure recorded at `at`. */
  forget(key: string, at: number): void {
    const times = this.keys.get(key);
    if (!times) return;
    const i = times.indexOf(at);
    if (i >= 0) times.splice(i, 1);
    if (times.length === 0) this.keys.delete(key);
  }

  get size(): number {
    return this.keys.size;
  }

  private live(key: string, now: number): number[] | undefined {
    const times = this.keys.get(key);
    if (!times) return undefined;
    let drop = 0;
    while (drop < times.length && times[drop]! <= now - this.windowMs) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length === 0) {
      this.keys.delete(key);
      return undefined;
    }
    return times;
  }
}

/** An attempt under way: tell how it ended. */
export interface LoginAttempt {
  /** The credentials were right, or the attempt failed for another reason (bus down): not counted. */
  release(): void;
}

export type LoginDecision = { ok: true; attempt: LoginAttempt } | { ok: false; limit: LoginLimitName; retryAfterSeconds: number };

export class LoginLimits {
  private readonly windows: Record<LoginLimitName, FailureWindow>;

  constructor(opts: LoginLimitsOptions) {
    const max = opts.maxKeys ?? 100_000;
    this.windows = {
      account_address: new FailureWindow(opts.perAccountAddress, opts.windowMs, max),
      address: new FailureWindow(opts.perAddress, opts.windowMs, max),
      account: new FailureWindow(opts.perAccount, opts.windowMs, max),
    };
  }

  /**
   * A login from `address` (an addressKey), to `account` (user_auth's account name; none for
   * api_auth) is about to be tried: refused with the longest wait among the limits reached, or
   * counted as a failure until released.
   */
  begin(address: string, account: string | undefined, now: number): LoginDecision {
    const keys: Array<[LoginLimitName, string]> = [['address', address]];
    if (account !== undefined) {
      const name = account.toLowerCase(); // account names are case-insensitive
      keys.push(['account_address', `${name}\u0000${address}`], ['account', name]);
    }
    let worst: { limit: LoginLimitName; ms: number } | undefined;
    for (const [limit, key] of keys) {
      const ms = this.windows[limit].retryAfter(key, now);
      if (ms > 0 && (worst === undefined || ms > worst.ms)) worst = { limit, ms };
    }
    if (worst) return { ok: false, limit: worst.limit, retryAfterSeconds: Math.max(1, Math.ceil(worst.ms / 1000)) };
    for (const [limit, key] of keys) this.windows[limit].record(key, now);
    let released = false;
    return {
      ok: true,
      attempt: {
        release: () => {
          if (released) return;
          released = true;
          for (const [limit, key] of keys) this.windows[limit].forget(key, now);
        },
      },
    };
  }
}
