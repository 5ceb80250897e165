/**
 * The tokens a gateway has verified, with what it knows about each: the principal (the signature
 * is checked once: HS256 through WebCrypto costs ~150 µs of CPU, a quarter of a cached GET status,
 * docs/performance.md), its expiry, and whether the directory vouched for it and when
 * (token-trust.ts decides whether that answer still holds). A token is immutable: its claims are
 * remembered until `exp`, checked against the clock on every use. Signature failures are never
 * remembered (the bad string is not kept); a token the directory refused is, so that using it
 * again costs nothing.
 */
import type { Principal } from './principal.js';

export interface TokenEntry {
  /** who the token acts for, and until when (`principal.expiresAt`) */
  readonly principal: Principal;
  /** the token's `gen` claim (0 when absent) */
  readonly generation: number;
  /** ms since epoch when the last check that said "valid" was asked; -Infinity = never */
  checkedAt: number;
  /** the trust epoch (token-trust.ts) that check was asked in */
  checkedEpoch: number;
  /** the directory refused it, or a notice ended it: refused until it expires */
  refused: boolean;
  /** the check in flight (concurrent uses of the token wait for the same one) */
  pending?: Promise<void> | undefined;
}

export class TokenCache {
  private readonly entries = new Map<string, TokenEntry>();
  constructor(private readonly max: number) {}

  get(token: string, now: number): TokenEntry | undefined {
    const hit = this.entries.get(token);
    if (!hit) return undefined;
    if (now >= hit.principal.expiresAt) {
      this.entries.delete(token);
      return undefined;
    }
    return hit;
  }

  set(token: string, entry: TokenEntry): void {
    if (this.max <= 0) return;
    if (!this.entries.has(token) && this.entries.size >= this.max) {
      // the oldest insertion goes (Map iterates in insertion order); it is verified again if it comes back
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, entry);
  }

  get size(): number {
    return this.entries.size;
  }
}
