/**
 * The directory aggregate in SQLite (ports/directory.ts): `accounts`, `users`, `revoked_tokens`.
 * Documents are JSON text; the columns that are looked up are kept beside them and indexed
 * (account name lower-cased, api_key, username lower-cased, qubicle enabled, credential bucket).
 * Lower-casing is done in JavaScript (full Unicode, the same as the other adapters), not with
 * SQLite's ASCII-only lower().
 */
import type { AccountDoc, StoredUser, UserDoc } from '@qubicle/contracts';
import { compareUsers, isQubicleEnabled, nextRev, plainJson, usernameKey } from '../documents.js';
import { StoreError } from '../errors.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { UserCredentials } from '../records.js';
import type { SqliteConnection } from './connection.js';
import type { DocumentRow } from './document-row.js';
import { isConstraintError } from './errors.js';

interface UserRow extends DocumentRow {
  cred_bucket: string | null;
  cred_hash: string | null;
}

const USER_COLUMNS = 'id, account_id, rev, created, modified, doc, cred_bucket, cred_hash';

function toStoredUser(row: UserRow): StoredUser {
  return { doc: JSON.parse(row.doc) as UserDoc, rev: row.rev, created: row.created, modified: row.modified };
}

export class SqliteDirectoryStore implements DirectoryStore {
  constructor(private readonly db: SqliteConnection) {}

  // accounts

  async createAccount(doc: AccountDoc): Promise<void> {
    await this.db.run(() => {
      try {
        this.db.stmt('INSERT INTO accounts (id, name_lower, api_key, doc) VALUES (?, ?, ?, ?)').run(
          doc.id,
          doc.name.toLowerCase(),
          doc.api_key === '' ? null : doc.api_key,
          JSON.stringify(doc),
        );
      } catch (err) {
        if (isConstraintError(err)) {
          throw new StoreError('conflict', `an account with this id, name or api key already exists (${doc.name})`, { cause: err });
        }
        throw err;
      }
    });
  }

  private accountBy(column: 'id' | 'name_lower' | 'api_key', value: string): Promise<AccountDoc | null> {
    return this.db.run(() => {
      const row = this.db.stmt(`SELECT doc FROM accounts WHERE ${column} = ?`).get(value) as { doc: string } | undefined;
      return row ? (JSON.parse(row.doc) as AccountDoc) : null;
    });
  }

  async getAccount(id: string): Promise<AccountDoc | null> {
    return this.accountBy('id', id);
  }

  async getAccountByName(name: string): Promise<AccountDoc | null> {
    return this.accountBy('name_lower', name.toLowerCase());
  }

  async getAccountByApiKey(apiKey: string): Promise<AccountDoc | null> {
    if (apiKey === '') return null;
    return this.accountBy('api_key', apiKey);
  }

  async updateAccount(doc: AccountDoc): Promise<void> {
    await this.db.run(() => {
      let changes: number;
      try {
        changes = this.db.stmt('UPDATE accounts SET name_lower = ?, api_key = ?, doc = ? WHERE id = ?').run(
          doc.name.toLowerCase(),
          doc.api_key === '' ? null : doc.api_key,
          JSON.stringify(doc),
          doc.id,
        ).changes;
      } catch (err) {
        if (isConstraintError(err)) {
          throw new StoreError('conflict', `another account already has this name or api key (${doc.name})`, { cause: err });
        }
        throw err;
      }
      if (changes === 0) throw new StoreError('not_found', `account ${doc.id} not found`);
    });
  }

  // users

  async listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]> {
    return this.db.run(() => {
      const rows = (
        filter?.qubicleOnly
          ? this.db.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE account_id = ? AND qubicle_enabled = 1`).all(accountId)
          : this.db.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE account_id = ?`).all(accountId)
      ) as UserRow[];
      return rows.map(toStoredUser).sort(compareUsers);
    });
  }

  async getUser(accountId: string, userId: string): Promise<StoredUser | null> {
    return this.db.run(() => {
      const row = this.db.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? AND account_id = ?`).get(userId, accountId) as
        | UserRow
        | undefined;
      return row ? toStoredUser(row) : null;
    });
  }

  async getUserByUsername(accountId: string, username: string): Promise<StoredUser | null> {
    const key = usernameKey(username);
    if (key === null) return null;
    return this.db.run(() => {
      const row = this.db.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE account_id = ? AND username_lower = ?`).get(
        accountId,
        key,
      ) as UserRow | undefined;
      return row ? toStoredUser(row) : null;
    });
  }

  async createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser> {
    return this.db.run(() => {
      const now = this.db.clock.now();
      const stored: StoredUser = { doc: plainJson(doc), rev: nextRev(null), created: now, modified: now };
      try {
        this.db.stmt(
          `INSERT INTO users (id, account_id, username_lower, qubicle_enabled, cred_bucket, cred_hash, rev, created, modified, doc)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          doc.id,
          doc.account_id,
          usernameKey(doc.username),
          isQubicleEnabled(doc) ? 1 : 0,
          creds?.bucket ?? null,
          creds?.hash ?? null,
          stored.rev,
          now,
          now,
          JSON.stringify(stored.doc),
        );
      } catch (err) {
        if (isConstraintError(err)) {
          throw new StoreError('conflict', `user ${doc.id} or username "${doc.username}" already exists`, { cause: err });
        }
        throw err;
      }
      return stored;
    });
  }

  async updateUser(doc: UserDoc, expectedRev: string | null, creds?: UserCredentials | null): Promise<StoredUser> {
    return this.db.run(() =>
      this.db.immediate(() => {
        const row = this.db.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? AND account_id = ?`).get(
          doc.id,
          doc.account_id,
        ) as UserRow | undefined;
        if (!row) throw new StoreError('not_found', `user ${doc.id} not found`);
        if (expectedRev !== null && expectedRev !== row.rev) {
          throw new StoreError('conflict', `user ${doc.id}: revision ${expectedRev} is not the current one`);
        }
        const now = this.db.clock.now();
        const stored: StoredUser = { doc: plainJson(doc), rev: nextRev(row.rev), created: row.created, modified: now };
        const bucket = creds === undefined ? row.cred_bucket : (creds?.bucket ?? null);
        const hash = creds === undefined ? row.cred_hash : (creds?.hash ?? null);
        try {
          this.db.stmt(
            `UPDATE users SET username_lower = ?, qubicle_enabled = ?, cred_bucket = ?, cred_hash = ?, rev = ?, modified = ?, doc = ?
             WHERE id = ?`,
          ).run(
            usernameKey(doc.username),
            isQubicleEnabled(doc) ? 1 : 0,
            bucket,
            hash,
            stored.rev,
            now,
            JSON.stringify(stored.doc),
            doc.id,
          );
        } catch (err) {
          if (isConstraintError(err)) {
            throw new StoreError('conflict', `username "${doc.username}" is already taken`, { cause: err });
          }
          throw err;
        }
        return stored;
      }),
    );
  }

  async deleteUser(accountId: string, userId: string): Promise<boolean> {
    return this.db.run(() => this.db.stmt('DELETE FROM users WHERE id = ? AND account_id = ?').run(userId, accountId).changes > 0);
  }

  async findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>> {
    return this.db.run(() => {
      const rows = this.db.stmt(
        `SELECT ${USER_COLUMNS} FROM users WHERE account_id = ? AND cred_bucket = ? AND cred_hash IS NOT NULL`,
      ).all(accountId, bucket) as UserRow[];
      return rows
        .map((row) => ({ user: toStoredUser(row), hash: row.cred_hash as string }))
        .sort((a, b) => compareUsers(a.user, b.user));
    });
  }

  // deleted auth tokens

  async revokeToken(tokenId: string, expiresAt: number, now: number): Promise<void> {
    await this.db.run(() =>
      this.db.immediate(() => {
        // the expired ones go with the next deletion (indexed; a handful of rows at a time)
        this.db.stmt('DELETE FROM revoked_tokens WHERE expires_at <= ?').run(now);
        this.db.stmt(
          'INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?) ON CONFLICT (token_id) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)',
        ).run(tokenId, expiresAt);
      }),
    );
  }

  async isTokenRevoked(tokenId: string, now: number): Promise<boolean> {
    return this.db.run(() => this.db.stmt('SELECT 1 FROM revoked_tokens WHERE token_id = ? AND expires_at > ?').get(tokenId, now) !== undefined);
  }
}
