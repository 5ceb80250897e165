/**
 * The directory's aggregate: accounts, users (KAZOO users documents with their credentials) and
 * the auth tokens deleted before their expiry. Written by the directory handler and the demo
 * bootstrap; read by the directory and the actors (account settings).
 */
import type { AccountDoc, StoredUser, UserDoc } from '@qubicle/contracts';
import type { UserCredentials } from '../records.js';

export interface DirectoryStore {
  // accounts
  /** StoreError('conflict') if the name (case-insensitive), the api_key or the id exists. */
  createAccount(doc: AccountDoc): Promise<void>;
  getAccount(id: string): Promise<AccountDoc | null>;
  /** Case-insensitive. */
  getAccountByName(name: string): Promise<AccountDoc | null>;
  getAccountByApiKey(apiKey: string): Promise<AccountDoc | null>;
  /** not_found if the id does not exist; conflict if the new name/api_key belongs to another account. */
  updateAccount(doc: AccountDoc): Promise<void>;

  // users (KAZOO users documents)
  /** Stable order: by last_name, first_name (case-insensitive, then exact), then id. */
  listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]>;
  getUser(accountId: string, userId: string): Promise<StoredUser | null>;
  /** Case-insensitive; an empty username never matches. */
  getUserByUsername(accountId: string, username: string): Promise<StoredUser | null>;
  /**
   * conflict: the id exists, or the username is taken in that account (case-insensitive).
   * An empty username means "no username" and never conflicts. rev = "1-<hex>".
   */
  createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser>;
  /**
   * expectedRev given and different from the stored rev → conflict; no such user in
   * doc.account_id → not_found; username taken → conflict. creds: undefined = keep,
   * null = clear. The new rev is "N+1-<hex>"; `created` is kept.
   */
  updateUser(doc: UserDoc, expectedRev: string | null, creds?: UserCredentials | null): Promise<StoredUser>;
  deleteUser(accountId: string, userId: string): Promise<boolean>;
  /** The users of that account whose credentials are in `bucket`, with their hash (listUsers order). */
  findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>>;

  // deleted auth tokens (DELETE /v2/token_auth): kept until the token would have expired anyway
  /**
   * Records that the token with this jti was deleted, until `expiresAt` (the token's exp, ms since
   * epoch). Idempotent; recording it again keeps the later expiry. Records already expired at
   * `now` may be purged by the same call (the store never grows past the live tokens).
   */
  revokeToken(tokenId: string, expiresAt: number, now: number): Promise<void>;
  /** true while a record of revokeToken for this jti has not expired at `now`. */
  isTokenRevoked(tokenId: string, now: number): Promise<boolean>;
}
