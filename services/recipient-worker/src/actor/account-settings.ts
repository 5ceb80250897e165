/**
 * Account settings the machine needs (missed-call threshold, Pro), read from the account
 * document and cached briefly: every command of every recipient needs them, and an
 * operator's change is fine to take effect within a few seconds.
 */
import { DEFAULT_MISSED_CALL_THRESHOLD, awayCatalogueOf, type AccountDoc } from '@qubicle/contracts';
import type { Clock } from '../clock.js';
import type { MachineAccount } from '../machine/index.js';

export interface AccountSettingsSource {
  /** Throws (store failure) only when no earlier value is known. */
  get(accountId: string): Promise<MachineAccount>;
  /** Forget a cached account (e.g. after an update through the directory). */
  invalidate(accountId: string): void;
}

/** A missing account document: nothing special enabled (no policy, no Pro). */
export const DEFAULT_ACCOUNT_SETTINGS: MachineAccount = Object.freeze({ missed_call_threshold: 0, pro: false });

export function settingsOf(doc: AccountDoc | null): MachineAccount {
  if (!doc) return { ...DEFAULT_ACCOUNT_SETTINGS };
  return {
    // an account document without the setting gets the default (3); 0 disables the policy
    missed_call_threshold: Math.max(0, Math.floor(doc.qubicle?.missed_call_threshold ?? DEFAULT_MISSED_CALL_THRESHOLD)),
    pro: doc.features?.pro === true,
    // one catalogue object per account, shared by all its recipients' actors
    away_reasons: awayCatalogueOf(doc.qubicle?.away_reasons),
  };
}

interface Entry {
  value: MachineAccount;
  fetchedAt: number;
}

export class AccountSettingsCache implements AccountSettingsSource {
  private readonly entries = new Map<string, Entry>();
  /** One read per account at a time, however many actors ask. */
  private readonly inflight = new Map<string, Promise<MachineAccount>>();

  constructor(
    private readonly load: (accountId: string) => Promise<AccountDoc | null>,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  async get(accountId: string): Promise<MachineAccount> {
    const entry = this.entries.get(accountId);
    if (entry && this.clock.now() - entry.fetchedAt < this.ttlMs) return entry.value;
    let pending = this.inflight.get(accountId);
    if (!pending) {
      pending = this.fetch(accountId, entry).finally(() => this.inflight.delete(accountId));
      this.inflight.set(accountId, pending);
    }
    return pending;
  }

  invalidate(accountId: string): void {
    this.entries.delete(accountId);
  }

  private async fetch(accountId: string, stale: Entry | undefined): Promise<MachineAccount> {
    try {
      const value = settingsOf(await this.load(accountId));
      this.entries.set(accountId, { value, fetchedAt: this.clock.now() });
      return value;
    } catch (err) {
      // A store hiccup should not stop recipients whose settings we already know.
      if (stale) return stale.value;
      throw err;
    }
  }
}
