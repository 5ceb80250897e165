/**
 * In-memory fake of the store methods the directory uses, with the port's semantics
 * (case-insensitive account names and usernames, CouchDB-style revs, credentials kept apart,
 * deep copies in and out). Test hooks: `markLoggedIn`, `setMeta`, `failNext`.
 */
import { randomBytes } from 'node:crypto';
import type { AccountDoc, StoredUser, UserDoc } from '@qubicle/contracts';
import { StoreError, type SessionRecord, type StoredRecipient, type UserCredentials } from '../../../src/store/port.js';
import type { BootstrapStore } from '../../../src/directory/bootstrap.js';
import type { DirectoryStore } from '../../../src/directory/types.js';

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const key = (u: unknown): string | null => (typeof u === 'string' && u !== '' ? u.toLowerCase() : null);

function nextRev(prev: string | null): string {
  const gen = prev === null ? 0 : Number.parseInt(prev.split('-')[0] ?? '0', 10);
  return `${gen + 1}-${randomBytes(16).toString('hex')}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function compare(a: StoredUser, b: StoredUser): number {
  return (
    cmp(a.doc.last_name.toLowerCase(), b.doc.last_name.toLowerCase()) ||
    cmp(a.doc.first_name.toLowerCase(), b.doc.first_name.toLowerCase()) ||
    cmp(a.doc.id, b.doc.id)
  );
}

interface Row {
  user: StoredUser;
  creds: UserCredentials | null;
}

export type TestStore = DirectoryStore &
  BootstrapStore & {
    /** Makes loadRecipient return a state for that recipient (as if logged in). */
    markLoggedIn(accountId: string, recipientId: string): Promise<void>;
    /** The port's appendSession (session history, as logout writes it). */
    appendSession(rec: SessionRecord): Promise<void>;
    setMeta(key: string, value: unknown): Promise<void>;
    close(): Promise<void>;
  };

export class MemoryStore implements TestStore {
  private readonly accounts = new Map<string, AccountDoc>();
  private readonly users = new Map<string, Row>();
  private readonly loggedIn = new Set<string>();
  private readonly meta = new Map<string, unknown>();
  private readonly failures = new Map<string, { err: unknown; times: number }>();

  /** The next `times` calls of `method` reject with `err`. */
  failNext(method: keyof DirectoryStore, err: unknown, times = 1): void {
    this.failures.set(method, { err, times });
  }

  private async enter(method: keyof DirectoryStore): Promise<void> {
    await Promise.resolve(); // be asynchronous like a real store
    const failure = this.failures.get(method);
    if (failure) {
      if (--failure.times <= 0) this.failures.delete(method);
      throw failure.err;
    }
  }

  async markLoggedIn(accountId: string, recipientId: string): Promise<void> {
    this.loggedIn.add(`${accountId}/${recipientId}`);
  }
  async setMeta(k: string, value: unknown): Promise<void> {
    this.meta.set(k, copy(value));
  }
  async close(): Promise<void> {}

  async getMeta<T>(k: string): Promise<T | undefined> {
    await this.enter('getMeta');
    return this.meta.has(k) ? copy(this.meta.get(k) as T) : undefined;
  }

  async createAccount(doc: AccountDoc): Promise<void> {
    await this.enter('createAccount');
    for (const a of this.accounts.values()) {
      if (a.id === doc.id || a.name.toLowerCase() === doc.name.toLowerCase() || a.api_key === doc.api_key) {
        throw new StoreError('conflict', 'account exists');
      }
    }
    this.accounts.set(doc.id, copy(doc));
  }
  async getAccount(id: string): Promise<AccountDoc | null> {
    await this.enter('getAccount');
    const a = this.accounts.get(id);
    return a ? copy(a) : null;
  }
  async getAccountByName(name: string): Promise<AccountDoc | null> {
    await this.enter('getAccountByName');
    const a = [...this.accounts.values()].find((x) => x.name.toLowerCase() === name.toLowerCase());
    return a ? copy(a) : null;
  }
  async getAccountByApiKey(apiKey: string): Promise<AccountDoc | null> {
    await this.enter('getAccountByApiKey');
    const a = [...this.accounts.values()].find((x) => x.api_key !== '' && x.api_key === apiKey);
    return a ? copy(a) : null;
  }

  private rows(accountId: string): Row[] {
    return [...this.users.values()].filter((r) => r.user.doc.account_id === accountId);
  }

  async listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]> {
    await this.enter('listUsers');
    return this.rows(accountId)
      .filter((r) => !filter?.qubicleOnly || r.user.doc.qubicle?.enabled === true)
      .map((r) => copy(r.user))
      .sort(compare);
  }
  async getUser(accountId: string, userId: string): Promise<StoredUser | null> {
    await this.enter('getUser');
    const row = this.users.get(userId);
    return row && row.user.doc.account_id === accountId ? copy(row.user) : null;
  }
  async getUserByUsername(accountId: string, username: string): Promise<StoredUser | null> {
    await this.enter('getUserByUsername');
    const k = key(username);
    if (k === null) return null;
    const row = this.rows(accountId).find((r) => key(r.user.doc.username) === k);
    return row ? copy(row.user) : null;
  }
  private usernameTaken(doc: UserDoc): boolean {
    const k = key(doc.username);
    return k !== null && this.rows(doc.account_id).some((r) => r.user.doc.id !== doc.id && key(r.user.doc.username) === k);
  }
  async createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser> {
    await this.enter('createUser');
    if (this.users.has(doc.id) || this.usernameTaken(doc)) throw new StoreError('conflict', 'user exists');
    const now = Date.now();
    const user: StoredUser = { doc: copy(doc), rev: nextRev(null), created: now, modified: now };
    this.users.set(doc.id, { user, creds: copy(creds) });
    return copy(user);
  }
  async updateUser(doc: UserDoc, expectedRev: string | null, creds?: UserCredentials | null): Promise<StoredUser> {
    await this.enter('updateUser');
    const row = this.users.get(doc.id);
    if (!row || row.user.doc.account_id !== doc.account_id) throw new StoreError('not_found', 'no user');
    if (expectedRev !== null && expectedRev !== row.user.rev) throw new StoreError('conflict', 'stale rev');
    if (this.usernameTaken(doc)) throw new StoreError('conflict', 'username taken');
    const user: StoredUser = { doc: copy(doc), rev: nextRev(row.user.rev), created: row.user.created, modified: Date.now() };
    this.users.set(doc.id, { user, creds: creds === undefined ? row.creds : copy(creds) });
    return copy(user);
  }
  async deleteUser(accountId: string, userId: string): Promise<boolean> {
    await this.enter('deleteUser');
    const row = this.users.get(userId);
    if (!row || row.user.doc.account_id !== accountId) return false;
    this.users.delete(userId);
    return true;
  }
  async findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>> {
    await this.enter('findUsersByCredentialBucket');
    return this.rows(accountId)
      .filter((r) => r.creds?.bucket === bucket)
      .map((r) => ({ user: copy(r.user), hash: (r.creds as UserCredentials).hash }));
  }
  async loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null> {
    await this.enter('loadRecipient');
    if (!this.loggedIn.has(`${accountId}/${recipientId}`)) return null;
    return { state: { account_id: accountId, recipient_id: recipientId } as StoredRecipient['state'], shard: 0, epoch: 1, updated: Date.now() };
  }

  private readonly sessions = new Map<string, SessionRecord>();
  private readonly revokedTokens = new Map<string, number>();

  async revokeToken(tokenId: string, expiresAt: number, now: number): Promise<void> {
    await this.enter('revokeToken');
    for (const [id, exp] of this.revokedTokens) if (exp <= now) this.revokedTokens.delete(id);
    this.revokedTokens.set(tokenId, Math.max(expiresAt, this.revokedTokens.get(tokenId) ?? 0));
  }
  async isTokenRevoked(tokenId: string, now: number): Promise<boolean> {
    await this.enter('isTokenRevoked');
    return (this.revokedTokens.get(tokenId) ?? 0) > now;
  }

  async appendSession(rec: SessionRecord): Promise<void> {
    this.sessions.set(`${rec.account_id}/${rec.recipient_id}/${rec.login_session_id}`, copy(rec));
  }

  /** Newest first (logout_time, then login_session_id, descending), like the real adapters. */
  async listSessions(accountId: string, recipientId: string, opts: { limit: number; before?: number }): Promise<SessionRecord[]> {
    await this.enter('listSessions');
    return [...this.sessions.values()]
      .filter((s) => s.account_id === accountId && s.recipient_id === recipientId && (opts.before === undefined || s.logout_time < opts.before))
      .sort((a, b) => b.logout_time - a.logout_time || cmp(b.login_session_id, a.login_session_id))
      .slice(0, Math.max(0, Math.floor(opts.limit)))
      .map(copy);
  }
}
