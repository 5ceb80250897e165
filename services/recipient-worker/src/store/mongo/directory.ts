/** The directory aggregate in MongoDB (ports/directory.ts): `accounts`, `users`, `revoked_tokens`. */
import type { AccountDoc, StoredUser, UserDoc } from '@qubicle/contracts';
import { compareUsers, isQubicleEnabled, nextRev, plainJson, usernameKey } from '../documents.js';
import { StoreError } from '../errors.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { UserCredentials } from '../records.js';
import type { AccountRow, MongoConnection, UserRow } from './connection.js';
import { isDuplicateKey } from './errors.js';

function toStoredUser(row: UserRow): StoredUser {
  return { doc: row.doc, rev: row.rev, created: row.created, modified: row.modified };
}

/** Projection that keeps credentials out of every user read that does not need them. */
const NO_CREDS = { projection: { cred_hash: 0, cred_bucket: 0 } } as const;

/** How many times a compare-and-swap is retried after losing a race before giving up. */
const CAS_ATTEMPTS = 10;

export class MongoDirectoryStore implements DirectoryStore {
  constructor(private readonly db: MongoConnection) {}

  // accounts

  private accountRow(doc: AccountDoc): Omit<AccountRow, '_id'> {
    const row: Omit<AccountRow, '_id'> = { name_lower: doc.name.toLowerCase(), doc: plainJson(doc) };
    if (doc.api_key !== '') row.api_key = doc.api_key;
    return row;
  }

  async createAccount(doc: AccountDoc): Promise<void> {
    await this.db.run(async () => {
      try {
        await this.db.accounts.insertOne({ _id: doc.id, ...this.accountRow(doc) });
      } catch (err) {
        if (isDuplicateKey(err)) {
          throw new StoreError('conflict', `an account with this id, name or api key already exists (${doc.name})`, { cause: err });
        }
        throw err;
      }
    });
  }

  async getAccount(id: string): Promise<AccountDoc | null> {
    return this.db.run(async () => (await this.db.accounts.findOne({ _id: id }))?.doc ?? null);
  }

  async getAccountByName(name: string): Promise<AccountDoc | null> {
    return this.db.run(async () => (await this.db.accounts.findOne({ name_lower: name.toLowerCase() }))?.doc ?? null);
  }

  async getAccountByApiKey(apiKey: string): Promise<AccountDoc | null> {
    if (apiKey === '') return null;
    return this.db.run(async () => (await this.db.accounts.findOne({ api_key: apiKey }))?.doc ?? null);
  }

  async updateAccount(doc: AccountDoc): Promise<void> {
    await this.db.run(async () => {
      let matched: number;
      try {
        matched = (await this.db.accounts.replaceOne({ _id: doc.id }, this.accountRow(doc))).matchedCount;
      } catch (err) {
        if (isDuplicateKey(err)) {
          throw new StoreError('conflict', `another account already has this name or api key (${doc.name})`, { cause: err });
        }
        throw err;
      }
      if (matched === 0) throw new StoreError('not_found', `account ${doc.id} not found`);
    });
  }

  // users

  private userRow(
    doc: UserDoc,
    rev: string,
    created: number,
    modified: number,
    creds: UserCredentials | null,
  ): Omit<UserRow, '_id'> {
    const row: Omit<UserRow, '_id'> = {
      account_id: doc.account_id,
      qubicle_enabled: isQubicleEnabled(doc),
      rev,
      created,
      modified,
      doc: plainJson(doc),
    };
    const key = usernameKey(doc.username);
    if (key !== null) row.username_lower = key;
    if (creds) {
      row.cred_bucket = creds.bucket;
      row.cred_hash = creds.hash;
    }
    return row;
  }

  async listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]> {
    return this.db.run(async () => {
      const query = filter?.qubicleOnly ? { account_id: accountId, qubicle_enabled: true } : { account_id: accountId };
      const rows = await this.db.users.find(query, NO_CREDS).toArray();
      return rows.map(toStoredUser).sort(compareUsers);
    });
  }

  async getUser(accountId: string, userId: string): Promise<StoredUser | null> {
    return this.db.run(async () => {
      const row = await this.db.users.findOne({ _id: userId, account_id: accountId }, NO_CREDS);
      return row ? toStoredUser(row) : null;
    });
  }

  async getUserByUsername(accountId: string, username: string): Promise<StoredUser | null> {
    const key = usernameKey(username);
    if (key === null) return null;
    return this.db.run(async () => {
      const row = await this.db.users.findOne({ account_id: accountId, username_lower: key }, NO_CREDS);
      return row ? toStoredUser(row) : null;
    });
  }

  async createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser> {
    return this.db.run(async () => {
      const now = this.db.clock.now();
      const row = this.userRow(doc, nextRev(null), now, now, creds);
      try {
        await this.db.users.insertOne({ _id: doc.id, ...row });
      } catch (err) {
        if (isDuplicateKey(err)) {
          throw new StoreError('conflict', `user ${doc.id} or username "${doc.username}" already exists`, { cause: err });
        }
        throw err;
      }
      return { doc: row.doc, rev: row.rev, created: now, modified: now };
    });
  }

  async updateUser(doc: UserDoc, expectedRev: string | null, creds?: UserCredentials | null): Promise<StoredUser> {
    return this.db.run(async () => {
      // Compare-and-swap on the rev that was read; another writer in between makes us re-read.
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const current = await this.db.users.findOne({ _id: doc.id, account_id: doc.account_id });
        if (!current) throw new StoreError('not_found', `user ${doc.id} not found`);
        if (expectedRev !== null && expectedRev !== current.rev) {
          throw new StoreError('conflict', `user ${doc.id}: revision ${expectedRev} is not the current one`);
        }
        const keptCreds =
          creds !== undefined
            ? creds
            : current.cred_bucket !== undefined && current.cred_hash !== undefined
              ? { bucket: current.cred_bucket, hash: current.cred_hash }
              : null;
        const row = this.userRow(doc, nextRev(current.rev), current.created, this.db.clock.now(), keptCreds);
        let matched: number;
        try {
          matched = (await this.db.users.replaceOne({ _id: doc.id, account_id: doc.account_id, rev: current.rev }, row))
            .matchedCount;
        } catch (err) {
          if (isDuplicateKey(err)) {
            throw new StoreError('conflict', `username "${doc.username}" is already taken`, { cause: err });
          }
          throw err;
        }
        if (matched === 1) return { doc: row.doc, rev: row.rev, created: row.created, modified: row.modified };
      }
      throw new StoreError('conflict', `user ${doc.id} is being updated concurrently`);
    });
  }

  async deleteUser(accountId: string, userId: string): Promise<boolean> {
    return this.db.run(async () => (await this.db.users.deleteOne({ _id: userId, account_id: accountId })).deletedCount > 0);
  }

  async findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>> {
    return this.db.run(async () => {
      const rows = await this.db.users
        .find({ account_id: accountId, cred_bucket: bucket, cred_hash: { $type: 'string' } })
        .toArray();
      return rows
        .map((row) => ({ user: toStoredUser(row), hash: row.cred_hash as string }))
        .sort((a, b) => compareUsers(a.user, b.user));
    });
  }

  // deleted auth tokens

  async revokeToken(tokenId: string, expiresAt: number, _now: number): Promise<void> {
    await this.db.run(async () => {
      // $max: recording the same jti again keeps the later expiry; on insert it sets the value
      // (new Date(expiresAt) converts the given instant for the TTL index; it does not read the clock)
      await this.db.revokedTokens.updateOne({ _id: tokenId }, { $max: { expires_at: expiresAt, expire_on: new Date(expiresAt) } }, { upsert: true });
    });
  }

  async isTokenRevoked(tokenId: string, now: number): Promise<boolean> {
    return this.db.run(async () => (await this.db.revokedTokens.countDocuments({ _id: tokenId, expires_at: { $gt: now } }, { limit: 1 })) > 0);
  }
}
