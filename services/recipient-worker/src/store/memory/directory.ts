/** The directory aggregate in memory (ports/directory.ts): `accounts`, `users` (with their credentials apart), `revokedTokens`. */
import type { AccountDoc, StoredUser, UserDoc } from '@qubicle/contracts';
import { compareUsers, nextRev, plainJson, usernameKey } from '../documents.js';
import { StoreError } from '../errors.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { UserCredentials } from '../records.js';
import type { MemoryConnection, MemoryTables, MemoryUserRow } from './connection.js';

/** Another account (not `exceptId`) already has this name (any case) or this api key. */
function accountClash(tables: MemoryTables, doc: AccountDoc, exceptId: string | null): boolean {
  const name = doc.name.toLowerCase();
  for (const a of tables.accounts.values()) {
    if (a.id === exceptId) continue;
    if (a.name.toLowerCase() === name || (doc.api_key !== '' && a.api_key === doc.api_key)) return true;
  }
  return false;
}

/** Another user of the account (not `doc.id`) already has this username (any case); "no username" never clashes. */
function usernameTaken(tables: MemoryTables, doc: UserDoc): boolean {
  const key = usernameKey(doc.username);
  if (key === null) return false;
  for (const row of tables.users.values()) {
    if (row.user.doc.account_id === doc.account_id && row.user.doc.id !== doc.id && usernameKey(row.user.doc.username) === key) return true;
  }
  return false;
}

function rowOf(tables: MemoryTables, accountId: string, userId: string): MemoryUserRow | undefined {
  const row = tables.users.get(userId);
  return row && row.user.doc.account_id === accountId ? row : undefined;
}

function usersOf(tables: MemoryTables, accountId: string): MemoryUserRow[] {
  return [...tables.users.values()].filter((r) => r.user.doc.account_id === accountId);
}

export class MemoryDirectoryStore implements DirectoryStore {
  constructor(private readonly db: MemoryConnection) {}

  // accounts

  async createAccount(doc: AccountDoc): Promise<void> {
    await this.db.run((t) => {
      if (t.accounts.has(doc.id) || accountClash(t, doc, null)) {
        throw new StoreError('conflict', `an account with this id, name or api key already exists (${doc.name})`);
      }
      t.accounts.set(doc.id, plainJson(doc));
    });
  }

  async getAccount(id: string): Promise<AccountDoc | null> {
    return this.db.run((t) => {
      const doc = t.accounts.get(id);
      return doc ? plainJson(doc) : null;
    });
  }

  async getAccountByName(name: string): Promise<AccountDoc | null> {
    const lower = name.toLowerCase();
    return this.db.run((t) => {
      const doc = [...t.accounts.values()].find((a) => a.name.toLowerCase() === lower);
      return doc ? plainJson(doc) : null;
    });
  }

  async getAccountByApiKey(apiKey: string): Promise<AccountDoc | null> {
    if (apiKey === '') return null;
    return this.db.run((t) => {
      const doc = [...t.accounts.values()].find((a) => a.api_key === apiKey);
      return doc ? plainJson(doc) : null;
    });
  }

  async updateAccount(doc: AccountDoc): Promise<void> {
    await this.db.run((t) => {
      if (!t.accounts.has(doc.id)) throw new StoreError('not_found', `account ${doc.id} not found`);
      if (accountClash(t, doc, doc.id)) throw new StoreError('conflict', `another account already has this name or api key (${doc.name})`);
      t.accounts.set(doc.id, plainJson(doc));
    });
  }

  // users

  async listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]> {
    return this.db.run((t) =>
      usersOf(t, accountId)
        .filter((r) => !filter?.qubicleOnly || r.user.doc.qubicle?.enabled === true)
        .map((r) => plainJson(r.user))
        .sort(compareUsers),
    );
  }

  async getUser(accountId: string, userId: string): Promise<StoredUser | null> {
    return this.db.run((t) => {
      const row = rowOf(t, accountId, userId);
      return row ? plainJson(row.user) : null;
    });
  }

  async getUserByUsername(accountId: string, username: string): Promise<StoredUser | null> {
    const key = usernameKey(username);
    if (key === null) return null;
    return this.db.run((t) => {
      const row = usersOf(t, accountId).find((r) => usernameKey(r.user.doc.username) === key);
      return row ? plainJson(row.user) : null;
    });
  }

  async createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser> {
    return this.db.run((t) => {
      if (t.users.has(doc.id) || usernameTaken(t, doc)) {
        throw new StoreError('conflict', `user ${doc.id} or username "${doc.username}" already exists`);
      }
      const now = this.db.clock.now();
      const user: StoredUser = { doc: plainJson(doc), rev: nextRev(null), created: now, modified: now };
      t.users.set(doc.id, { user, creds: creds ? { ...creds } : null });
      return plainJson(user);
    });
  }

  async updateUser(doc: UserDoc, expectedRev: string | null, creds?: UserCredentials | null): Promise<StoredUser> {
    return this.db.run((t) => {
      const row = rowOf(t, doc.account_id, doc.id);
      if (!row) throw new StoreError('not_found', `user ${doc.id} not found`);
      if (expectedRev !== null && expectedRev !== row.user.rev) {
        throw new StoreError('conflict', `user ${doc.id}: revision ${expectedRev} is not the current one`);
      }
      if (usernameTaken(t, doc)) throw new StoreError('conflict', `username "${doc.username}" is already taken`);
      const user: StoredUser = { doc: plainJson(doc), rev: nextRev(row.user.rev), created: row.user.created, modified: this.db.clock.now() };
      t.users.set(doc.id, { user, creds: creds === undefined ? row.creds : creds ? { ...creds } : null });
      return plainJson(user);
    });
  }

  async deleteUser(accountId: string, userId: string): Promise<boolean> {
    return this.db.run((t) => (rowOf(t, accountId, userId) ? t.users.delete(userId) : false));
  }

  async findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>> {
    return this.db.run((t) =>
      usersOf(t, accountId)
        .filter((r) => r.creds?.bucket === bucket)
        .map((r) => ({ user: plainJson(r.user), hash: r.creds!.hash }))
        .sort((a, b) => compareUsers(a.user, b.user)),
    );
  }

  // deleted auth tokens

  async revokeToken(tokenId: string, expiresAt: number, now: number): Promise<void> {
    await this.db.run((t) => {
      for (const [id, exp] of t.revokedTokens) if (exp <= now) t.revokedTokens.delete(id);
      t.revokedTokens.set(tokenId, Math.max(expiresAt, t.revokedTokens.get(tokenId) ?? -Infinity));
    });
  }

  async isTokenRevoked(tokenId: string, now: number): Promise<boolean> {
    return this.db.run((t) => (t.revokedTokens.get(tokenId) ?? -Infinity) > now);
  }
}
