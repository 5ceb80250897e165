/**
 * MongoDB adapter of the store port (driver v7). Collections: accounts, users, recipients,
 * sessions, leases, nodes, meta, revoked_tokens (deleted auth tokens, removed by a TTL index once
 * expired).
 *
 * - No multi-document transactions are assumed (a standalone server works). Every
 *   read-modify-write is a single-document atomic operation or a compare-and-swap retried on
 *   a lost race (updateUser: replaceOne filtered on the rev read; leases: findOneAndUpdate
 *   with the ownership condition in the filter; meta: $setOnInsert upsert).
 * - Documents are kept as sub-documents (`doc`, `state`) beside the indexed look-up fields
 *   (name_lower, api_key, username_lower, qubicle_enabled, cred_bucket, shard). They are
 *   JSON round-tripped before being written, so what is read back is exactly what the SQLite
 *   adapter returns (no `undefined` turned into null, no class instances).
 * - Connection problems (server selection, network, closed client, primary stepping down...)
 *   become StoreError('unavailable') with a message that names the store and a short reason
 *   ("mongodb store unavailable: no reachable server within 2000 ms"): never the URL, a host or
 *   a credential (the driver's own error stays as `cause`, for the log).
 * - Every wait of the driver is bounded by `timeoutMs` (STORE_TIMEOUT_MS, default 2000), well under
 *   the gateways' RPC timeout, so that a store outage answers 503 rather than 504: server
 *   selection, connect, the wait for a pooled connection; the server monitor checks every second,
 *   so a server that stops answering (a network partition) is noticed within about
 *   1 s + `timeoutMs`, and the operations hanging on it are interrupted then (the driver clears
 *   the pool with InterruptInUseConnections). No socket timeout: a long but healthy operation (an
 *   index build at start-up) must not be cut. The driver's `timeoutMS` (CSOT) has no effect in
 *   driver 7 and is not used.
 *
 * ## Fencing, and how it differs from SQLite
 * SQLite checks the shard's lease and writes in one IMMEDIATE transaction, so the check is
 * atomic with the write. Here there is no transaction, so:
 *   1. every recipient document carries the `epoch` it was written under;
 *   2. `claimShard` (run by a new owner after acquiring the lease, before loading) stamps every
 *      document of the shard with the new epoch: updateMany({shard, epoch:{$lt:E}}, {$set:{epoch:E}});
 *   3. a write first checks the lease document (owner and epoch), then writes conditionally:
 *      replaceOne({_id, epoch:{$lte: fence.epoch}}, ..., {upsert:true}). If the document exists
 *      with a newer epoch the filter does not match, the upsert tries to insert the same _id and
 *      gets a duplicate-key error, which means a newer owner has it → StoreError('fenced').
 *   Remaining differences, inherent without transactions:
 *   - a batch of saveRecipients is one ordered bulkWrite, not a transaction: if a race makes
 *     the k-th write fail, the writes before it stay (the lease check in step 3 makes this
 *     impossible unless the lease changes hands between the check and the write);
 *   - a stale writer that passed the lease check just before the new owner acquired the lease
 *     can still create a document that did not exist at claim time (an upsert of a new id has
 *     no epoch to compare with). The cluster avoids this by timing: a node stops consuming
 *     before its lease can expire, and a lease is taken over only after it has expired.
 *
 * ## The outbox and logout (port.ts)
 * A change's events are kept INSIDE the recipient document (`outbox`, oldest first), pushed by the
 * same single-document update that writes the state (`$set` + `$push`), so they are atomic with it
 * without a transaction. The relay removes them with `$pull` (seq <= the confirmed one), another
 * single-document update: the two never overwrite each other's part of the document. A logout
 * does not delete the document: it becomes a tombstone (`state: null`, `logged_out` = the command
 * ids to remember and until when) that still carries its events; a later login `$set`s a state
 * over it. Tombstones past their `forget_at` whose outbox is empty are purged by the next logout in
 * the shard (best effort: a failed purge is retried by the next one). The session record goes to
 * `sessions` just before, as its own idempotent write (no transaction to share with the tombstone).
 */
import {
  MongoClient,
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type MongoClientOptions,
  type UpdateFilter,
} from 'mongodb';
import type { AccountDoc, RecipientEvent, RecipientState, RecipientStats, StoredUser, UserDoc } from '@qubicle/contracts';
import {
  assertWritesInFenceShard,
  compareUsers,
  isQubicleEnabled,
  leaseAllowsWrite,
  nextRev,
  plainJson,
  usernameKey,
} from './common.js';
import {
  StoreError,
  type Fence,
  type Lease,
  type LoggedOutRecipient,
  type NodeRecord,
  type OutboxKey,
  type RecipientLogout,
  type RecipientWrite,
  type SessionRecord,
  type Store,
  type StoredRecipient,
  type UserCredentials,
} from './port.js';

export interface MongoStoreOptions {
  url: string;
  /** Database name; default: the one in the URL's path, else "qubicle". */
  dbName?: string;
  /** How long an operation waits for a usable server (selection, connect, pool) before failing as unavailable (ms). Default 2000. */
  timeoutMs?: number;
  /** Extra driver options. */
  clientOptions?: MongoClientOptions;
}

interface MetaRow {
  _id: string;
  value: unknown;
}
interface AccountRow {
  _id: string;
  name_lower: string;
  /** Absent when the account has no api key (so the unique index ignores it). */
  api_key?: string;
  doc: AccountDoc;
}
interface UserRow {
  _id: string;
  account_id: string;
  /** Absent when the user has no username (partial unique index). */
  username_lower?: string;
  qubicle_enabled: boolean;
  cred_bucket?: string;
  cred_hash?: string;
  rev: string;
  created: number;
  modified: number;
  doc: UserDoc;
}
interface RecipientRow {
  _id: string;
  account_id: string;
  recipient_id: string;
  shard: number;
  epoch: number;
  updated: number;
  /** null: logged out (a tombstone) */
  state: RecipientState | null;
  /** events recorded with the state and not yet confirmed by the broker, oldest first */
  outbox?: RecipientEvent[];
  /** a tombstone's memory: the command ids applied before the logout, until forget_at */
  logged_out?: LoggedOutRecipient;
}

/** What recipient reads need of a document (not its outbox nor a tombstone's memory). */
const STATE_ONLY = { projection: { outbox: 0, logged_out: 0 } } as const;
/** A logged-in recipient's document (a tombstone has state null). */
const LOGGED_IN = { state: { $type: 'object' } } as const;
interface SessionRow {
  _id: string;
  account_id: string;
  recipient_id: string;
  login_session_id: string;
  login_time: number;
  logout_time: number;
  node: string;
  reason?: string;
  stats: RecipientStats;
}
interface LeaseRow {
  _id: number;
  owner: string | null;
  epoch: number;
  expires_at: number;
}
interface NodeRow {
  _id: string;
  started_at: number;
  heartbeat_at: number;
  info: Record<string, unknown>;
}
interface RevokedTokenRow {
  /** the token's jti */
  _id: string;
  /** ms since epoch (what reads compare with) */
  expires_at: number;
  /** the same instant as a Date, for the TTL index (which only reads dates) */
  expire_on: Date;
}

/** Server error codes that mean the server cannot serve us right now, by name (the reason given). */
const UNAVAILABLE_CODES = new Map<number, string>([
  [6, 'HostUnreachable'],
  [7, 'HostNotFound'],
  [89, 'NetworkTimeout'],
  [91, 'ShutdownInProgress'],
  [189, 'PrimarySteppedDown'],
  [9001, 'SocketException'],
  [10107, 'NotWritablePrimary'],
  [11600, 'InterruptedAtShutdown'],
  [11602, 'InterruptedDueToReplStateChange'],
  [13435, 'NotPrimaryNoSecondaryOk'],
  [13436, 'NotPrimaryOrSecondary'],
]);

/** Default of `timeoutMs` (STORE_TIMEOUT_MS). */
export const MONGO_DEFAULT_TIMEOUT_MS = 2000;
/** The server monitor's check interval: a partition is noticed within about this + timeoutMs. */
const HEARTBEAT_MS = 1000;

function isDuplicateKey(err: unknown): boolean {
  if (!(err instanceof MongoServerError)) return false;
  if (err.code === 11000) return true;
  const writeErrors: unknown = (err as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.some((e) => (e as { code?: unknown }).code === 11000);
}

/**
 * The short reason a client is told when the store cannot serve (null: not an availability
 * problem). Never the driver's message: it may name hosts.
 */
function unavailableReason(err: unknown, timeoutMs: number): string | null {
  if (err instanceof MongoServerSelectionError) return `no reachable server within ${timeoutMs} ms`;
  if (err instanceof MongoNetworkTimeoutError) return 'network timeout';
  if (err instanceof MongoNetworkError) return 'network error';
  if (err instanceof MongoOperationTimeoutError) return 'operation timed out';
  if (err instanceof MongoNotConnectedError || err instanceof MongoTopologyClosedError || err instanceof MongoClientClosedError) {
    return 'client not connected';
  }
  if (err instanceof MongoServerClosedError) return 'server closed';
  if (err instanceof MongoError) {
    if (err.name === 'MongoWaitQueueTimeoutError') return `no free connection within ${timeoutMs} ms`;
    const named = typeof err.code === 'number' ? UNAVAILABLE_CODES.get(err.code) : undefined;
    if (named !== undefined) return named;
    if (err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('ResetPool')) return 'connection reset';
  }
  return null;
}

/** A driver error → StoreError unavailable naming the store and the reason (exported for its test). */
export function mongoStoreError(err: unknown, timeoutMs = MONGO_DEFAULT_TIMEOUT_MS): unknown {
  if (err instanceof StoreError) return err;
  const reason = unavailableReason(err, timeoutMs);
  return reason === null ? err : new StoreError('unavailable', `mongodb store unavailable: ${reason}`, { cause: err });
}

/** The database named in a mongodb:// or mongodb+srv:// URL, if any. */
export function dbNameFromUrl(url: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(url);
  const name = m?.[1] ? decodeURIComponent(m[1]) : undefined;
  return name ? name : undefined;
}

function recipientKey(accountId: string, recipientId: string): string {
  return `${accountId}/${recipientId}`;
}

function sessionKey(rec: { account_id: string; recipient_id: string; login_session_id: string }): string {
  return `${rec.account_id}/${rec.recipient_id}/${rec.login_session_id}`;
}

function toStoredUser(row: UserRow): StoredUser {
  return { doc: row.doc, rev: row.rev, created: row.created, modified: row.modified };
}

function toStoredRecipient(row: RecipientRow & { state: RecipientState }): StoredRecipient {
  return { state: row.state, shard: row.shard, epoch: row.epoch, updated: row.updated };
}

function toSession(row: SessionRow): SessionRecord {
  const rec: SessionRecord = {
    account_id: row.account_id,
    recipient_id: row.recipient_id,
    login_session_id: row.login_session_id,
    login_time: row.login_time,
    logout_time: row.logout_time,
    stats: row.stats,
    node: row.node,
  };
  if (typeof row.reason === 'string') rec.reason = row.reason;
  return rec;
}

function toLease(row: LeaseRow): Lease {
  return { shard: row._id, owner: row.owner ?? null, epoch: row.epoch, expires_at: row.expires_at };
}

/** Projection that keeps credentials out of every user read that does not need them. */
const NO_CREDS = { projection: { cred_hash: 0, cred_bucket: 0 } } as const;

/** How many times a compare-and-swap is retried after losing a race before giving up. */
const CAS_ATTEMPTS = 10;

export class MongoStore implements Store {
  readonly kind = 'mongodb' as const;
  readonly dbName: string;
  private readonly timeoutMs: number;
  private readonly client: MongoClient;
  private readonly db: Db;
  private closed = false;
  private readonly meta: Collection<MetaRow>;
  private readonly accounts: Collection<AccountRow>;
  private readonly users: Collection<UserRow>;
  private readonly recipients: Collection<RecipientRow>;
  private readonly sessions: Collection<SessionRow>;
  private readonly leases: Collection<LeaseRow>;
  private readonly nodes: Collection<NodeRow>;
  private readonly revokedTokens: Collection<RevokedTokenRow>;

  constructor(options: MongoStoreOptions) {
    this.dbName = options.dbName ?? dbNameFromUrl(options.url) ?? 'qubicle';
    this.timeoutMs = options.timeoutMs ?? MONGO_DEFAULT_TIMEOUT_MS;
    this.client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: this.timeoutMs,
      connectTimeoutMS: this.timeoutMs,
      waitQueueTimeoutMS: this.timeoutMs,
      heartbeatFrequencyMS: HEARTBEAT_MS,
      appName: 'qubicle-recipient-worker',
      ...options.clientOptions,
    });
    this.db = this.client.db(this.dbName);
    this.meta = this.db.collection<MetaRow>('meta');
    this.accounts = this.db.collection<AccountRow>('accounts');
    this.users = this.db.collection<UserRow>('users');
    this.recipients = this.db.collection<RecipientRow>('recipients');
    this.sessions = this.db.collection<SessionRow>('sessions');
    this.leases = this.db.collection<LeaseRow>('leases');
    this.nodes = this.db.collection<NodeRow>('nodes');
    this.revokedTokens = this.db.collection<RevokedTokenRow>('revoked_tokens');
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('unavailable', 'mongodb store is closed');
    try {
      return await fn();
    } catch (err) {
      throw mongoStoreError(err, this.timeoutMs);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  async init(): Promise<void> {
    await this.run(async () => {
      await this.client.connect();
      // createIndexes is idempotent and safe to run from several processes at once.
      await Promise.all([
        this.accounts.createIndexes([
          { key: { name_lower: 1 }, name: 'name_lower_unique', unique: true },
          {
            key: { api_key: 1 },
            name: 'api_key_unique',
            unique: true,
            partialFilterExpression: { api_key: { $type: 'string' } },
          },
        ]),
        this.users.createIndexes([
          {
            key: { account_id: 1, username_lower: 1 },
            name: 'account_username_unique',
            unique: true,
            partialFilterExpression: { username_lower: { $type: 'string' } },
          },
          { key: { account_id: 1, qubicle_enabled: 1 }, name: 'account_qubicle' },
          { key: { account_id: 1, cred_bucket: 1 }, name: 'account_cred_bucket' },
        ]),
        this.recipients.createIndexes([
          { key: { shard: 1, account_id: 1, recipient_id: 1 }, name: 'shard' },
          // tombstones only: the purge of a shard's expired ones
          {
            key: { shard: 1, 'logged_out.forget_at': 1 },
            name: 'tombstone_forget_at',
            partialFilterExpression: { 'logged_out.forget_at': { $exists: true } },
          },
        ]),
        this.sessions.createIndexes([
          {
            key: { account_id: 1, recipient_id: 1, logout_time: -1, login_session_id: -1 },
            name: 'recipient_logout',
          },
        ]),
        // MongoDB deletes a record within about a minute after expire_on; reads check expires_at themselves
        this.revokedTokens.createIndexes([{ key: { expire_on: 1 }, name: 'expire_on_ttl', expireAfterSeconds: 0 }]),
      ]);
    });
  }

  async ping(): Promise<void> {
    await this.run(async () => {
      await this.db.command({ ping: 1 });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  /** Drops this store's database (tests). */
  async dropDatabase(): Promise<void> {
    await this.run(async () => {
      await this.db.dropDatabase();
    });
  }

  // ---------------------------------------------------------------- meta

  async getOrSetMeta<T>(key: string, value: T): Promise<T> {
    return this.run(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const row = await this.meta.findOneAndUpdate(
            { _id: key },
            { $setOnInsert: { value: plainJson(value) } },
            { upsert: true, returnDocument: 'after' },
          );
          if (row) return row.value as T;
        } catch (err) {
          // Two first writers raced on the upsert: the loser reads the winner's value.
          if (!isDuplicateKey(err) || attempt >= CAS_ATTEMPTS) throw err;
        }
        const existing = await this.meta.findOne({ _id: key });
        if (existing) return existing.value as T;
      }
    });
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.run(async () => {
      const row = await this.meta.findOne({ _id: key });
      return row ? (row.value as T) : undefined;
    });
  }

  // ---------------------------------------------------------------- accounts

  private accountRow(doc: AccountDoc): Omit<AccountRow, '_id'> {
    const row: Omit<AccountRow, '_id'> = { name_lower: doc.name.toLowerCase(), doc: plainJson(doc) };
    if (doc.api_key !== '') row.api_key = doc.api_key;
    return row;
  }

  async createAccount(doc: AccountDoc): Promise<void> {
    await this.run(async () => {
      try {
        await this.accounts.insertOne({ _id: doc.id, ...this.accountRow(doc) });
      } catch (err) {
        if (isDuplicateKey(err)) {
          throw new StoreError('conflict', `an account with this id, name or api key already exists (${doc.name})`, { cause: err });
        }
        throw err;
      }
    });
  }

  async getAccount(id: string): Promise<AccountDoc | null> {
    return this.run(async () => (await this.accounts.findOne({ _id: id }))?.doc ?? null);
  }

  async getAccountByName(name: string): Promise<AccountDoc | null> {
    return this.run(async () => (await this.accounts.findOne({ name_lower: name.toLowerCase() }))?.doc ?? null);
  }

  async getAccountByApiKey(apiKey: string): Promise<AccountDoc | null> {
    if (apiKey === '') return null;
    return this.run(async () => (await this.accounts.findOne({ api_key: apiKey }))?.doc ?? null);
  }

  async updateAccount(doc: AccountDoc): Promise<void> {
    await this.run(async () => {
      let matched: number;
      try {
        matched = (await this.accounts.replaceOne({ _id: doc.id }, this.accountRow(doc))).matchedCount;
      } catch (err) {
        if (isDuplicateKey(err)) {
          throw new StoreError('conflict', `another account already has this name or api key (${doc.name})`, { cause: err });
        }
        throw err;
      }
      if (matched === 0) throw new StoreError('not_found', `account ${doc.id} not found`);
    });
  }

  // ---------------------------------------------------------------- users

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
    return this.run(async () => {
      const query = filter?.qubicleOnly ? { account_id: accountId, qubicle_enabled: true } : { account_id: accountId };
      const rows = await this.users.find(query, NO_CREDS).toArray();
      return rows.map(toStoredUser).sort(compareUsers);
    });
  }

  async getUser(accountId: string, userId: string): Promise<StoredUser | null> {
    return this.run(async () => {
      const row = await this.users.findOne({ _id: userId, account_id: accountId }, NO_CREDS);
      return row ? toStoredUser(row) : null;
    });
  }

  async getUserByUsername(accountId: string, username: string): Promise<StoredUser | null> {
    const key = usernameKey(username);
    if (key === null) return null;
    return this.run(async () => {
      const row = await this.users.findOne({ account_id: accountId, username_lower: key }, NO_CREDS);
      return row ? toStoredUser(row) : null;
    });
  }

  async createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser> {
    return this.run(async () => {
      const now = Date.now();
      const row = this.userRow(doc, nextRev(null), now, now, creds);
      try {
        await this.users.insertOne({ _id: doc.id, ...row });
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
    return this.run(async () => {
      // Compare-and-swap on the rev that was read; another writer in between makes us re-read.
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const current = await this.users.findOne({ _id: doc.id, account_id: doc.account_id });
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
        const row = this.userRow(doc, nextRev(current.rev), current.created, Date.now(), keptCreds);
        let matched: number;
        try {
          matched = (await this.users.replaceOne({ _id: doc.id, account_id: doc.account_id, rev: current.rev }, row))
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
    return this.run(async () => (await this.users.deleteOne({ _id: userId, account_id: accountId })).deletedCount > 0);
  }

  async findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>> {
    return this.run(async () => {
      const rows = await this.users
        .find({ account_id: accountId, cred_bucket: bucket, cred_hash: { $type: 'string' } })
        .toArray();
      return rows
        .map((row) => ({ user: toStoredUser(row), hash: row.cred_hash as string }))
        .sort((a, b) => compareUsers(a.user, b.user));
    });
  }

  // ---------------------------------------------------------------- recipients

  async loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null> {
    return this.run(async () => {
      const row = await this.recipients.findOne({ _id: recipientKey(accountId, recipientId) }, STATE_ONLY);
      return row?.state ? toStoredRecipient(row as RecipientRow & { state: RecipientState }) : null;
    });
  }

  async listRecipientsByShard(shard: number): Promise<StoredRecipient[]> {
    return this.run(async () =>
      (await this.recipients.find({ shard, ...LOGGED_IN }, STATE_ONLY).sort({ account_id: 1, recipient_id: 1 }).toArray()).map((row) =>
        toStoredRecipient(row as RecipientRow & { state: RecipientState }),
      ),
    );
  }

  async countRecipientsByShard(): Promise<Map<number, number>> {
    return this.run(async () => {
      const rows = await this.recipients
        .aggregate<{ _id: number; n: number }>([{ $match: LOGGED_IN }, { $group: { _id: '$shard', n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
        .toArray();
      return new Map(rows.map((r) => [r._id, r.n]));
    });
  }

  /** Step 3a of the fencing scheme (see the top of this file): the lease must still be ours. */
  private async checkFence(fence: Fence): Promise<void> {
    const lease = await this.leases.findOne({ _id: fence.shard });
    if (!leaseAllowsWrite(lease, fence)) {
      throw new StoreError(
        'fenced',
        `shard ${fence.shard}: ${fence.node}@${fence.epoch} no longer holds the lease (now ${lease?.owner ?? 'nobody'}@${lease?.epoch ?? 0})`,
      );
    }
  }

  async saveRecipients(writes: RecipientWrite[], fence: Fence): Promise<void> {
    assertWritesInFenceShard(writes, fence);
    await this.run(async () => {
      await this.checkFence(fence);
      if (writes.length === 0) return;
      const now = Date.now();
      const ops: AnyBulkWriteOperation<RecipientRow>[] = writes.map((w) => ({
        updateOne: {
          filter: this.fencedFilter(w.state.account_id, w.state.recipient_id, fence),
          update: this.recipientUpdate(w.state.account_id, w.state.recipient_id, w.shard, fence, now, { state: plainJson(w.state) }, w.events),
          upsert: true,
        },
      }));
      await this.fencedWrite(fence, () => this.recipients.bulkWrite(ops, { ordered: true }));
    });
  }

  /**
   * Matches only a document written/claimed under this epoch or an older one; if a newer epoch owns
   * it, the upsert collides on _id (duplicate key) instead, which fencedWrite turns into 'fenced'.
   */
  private fencedFilter(accountId: string, recipientId: string, fence: Fence): { _id: string; epoch: { $lte: number } } {
    return { _id: recipientKey(accountId, recipientId), epoch: { $lte: fence.epoch } };
  }

  /** One atomic single-document update: the state (or tombstone) fields `$set`, the events `$push`ed to the outbox. */
  private recipientUpdate(
    accountId: string,
    recipientId: string,
    shard: number,
    fence: Fence,
    now: number,
    body: { state: RecipientState; logged_out?: never } | { state: null; logged_out: LoggedOutRecipient },
    events: readonly RecipientEvent[] | undefined,
  ): UpdateFilter<RecipientRow> {
    const update: UpdateFilter<RecipientRow> = {
      $set: { account_id: accountId, recipient_id: recipientId, shard, epoch: fence.epoch, updated: now, ...body },
    };
    // a login over a tombstone: it is a logged-in document again
    if (body.state !== null) update.$unset = { logged_out: '' };
    if (events && events.length > 0) update.$push = { outbox: { $each: plainJson([...events]) } };
    return update;
  }

  private async fencedWrite(fence: Fence, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (isDuplicateKey(err)) {
        throw new StoreError('fenced', `shard ${fence.shard}: a recipient was written under a newer epoch than ${fence.epoch}`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  async logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void> {
    const { account_id: accountId, recipient_id: recipientId, shard } = logout;
    if (shard !== fence.shard) {
      throw new RangeError(`recipient ${accountId}/${recipientId} logged out with shard ${shard} under a fence for shard ${fence.shard}`);
    }
    await this.run(async () => {
      await this.checkFence(fence);
      // Before the tombstone (no transaction to share): appending the same session twice replaces it.
      if (logout.session) await this.upsertSession(logout.session);
      // forget_at not ahead: nothing to remember (the document stays while its outbox holds events)
      const remember = logout.forget_at > logout.now ? [...logout.recent_commands] : [];
      const tombstone = { state: null, logged_out: { recent_commands: remember, forget_at: logout.forget_at } };
      await this.fencedWrite(fence, () =>
        this.recipients.updateOne(
          this.fencedFilter(accountId, recipientId, fence),
          this.recipientUpdate(accountId, recipientId, shard, fence, Date.now(), tombstone, logout.events),
          { upsert: true },
        ),
      );
      // Best effort, after the logout is durable: a failure here must not fail the logout.
      await this.recipients
        .deleteMany({ shard, state: null, 'logged_out.forget_at': { $lt: logout.now }, 'outbox.0': { $exists: false } })
        .catch(() => undefined);
    });
  }

  async loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null> {
    return this.run(async () => {
      const row = await this.recipients.findOne(
        { _id: recipientKey(accountId, recipientId), state: null, 'logged_out.forget_at': { $gt: now }, 'logged_out.recent_commands.0': { $exists: true } },
        { projection: { logged_out: 1 } },
      );
      return row?.logged_out ? { recent_commands: row.logged_out.recent_commands, forget_at: row.logged_out.forget_at } : null;
    });
  }

  // ---------------------------------------------------------------- outbox

  async listOutbox(shard: number): Promise<RecipientEvent[]> {
    return this.run(async () => {
      const rows = await this.recipients
        .find({ shard, 'outbox.0': { $exists: true } }, { projection: { outbox: 1 } })
        .sort({ account_id: 1, recipient_id: 1 })
        .toArray();
      return rows.flatMap((r) => r.outbox ?? []);
    });
  }

  async deleteOutbox(published: readonly OutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    // per document, the highest confirmed seq: every event up to it is published
    const upTo = new Map<string, number>();
    for (const k of published) {
      const id = recipientKey(k.account_id, k.recipient_id);
      if ((upTo.get(id) ?? -Infinity) < k.seq) upTo.set(id, k.seq);
    }
    await this.run(async () => {
      await this.recipients.bulkWrite(
        [...upTo].map(([_id, seq]) => ({ updateOne: { filter: { _id }, update: { $pull: { outbox: { seq: { $lte: seq } } } } } })),
        { ordered: false },
      );
    });
  }

  // ---------------------------------------------------------------- sessions

  async appendSession(rec: SessionRecord): Promise<void> {
    await this.run(() => this.upsertSession(rec));
  }

  private async upsertSession(rec: SessionRecord): Promise<void> {
    const row: Omit<SessionRow, '_id'> = {
      account_id: rec.account_id,
      recipient_id: rec.recipient_id,
      login_session_id: rec.login_session_id,
      login_time: rec.login_time,
      logout_time: rec.logout_time,
      node: rec.node,
      stats: plainJson(rec.stats),
    };
    if (typeof rec.reason === 'string') row.reason = rec.reason;
    await this.sessions.replaceOne({ _id: sessionKey(rec) }, row, { upsert: true });
  }

  async listSessions(
    accountId: string,
    recipientId: string,
    opts: { limit: number; before?: number },
  ): Promise<SessionRecord[]> {
    // limit(0) would mean "no limit" to MongoDB.
    const limit = Math.floor(opts.limit);
    if (!(limit > 0)) return [];
    return this.run(async () => {
      const query =
        opts.before === undefined
          ? { account_id: accountId, recipient_id: recipientId }
          : { account_id: accountId, recipient_id: recipientId, logout_time: { $lt: opts.before } };
      const rows = await this.sessions.find(query).sort({ logout_time: -1, login_session_id: -1 }).limit(limit).toArray();
      return rows.map(toSession);
    });
  }

  // ---------------------------------------------------------------- nodes

  async heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void> {
    await this.run(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.nodes.updateOne(
            { _id: name },
            { $set: { heartbeat_at: now, info: plainJson(info) }, $setOnInsert: { started_at: now } },
            { upsert: true },
          );
          return;
        } catch (err) {
          if (!isDuplicateKey(err) || attempt >= CAS_ATTEMPTS) throw err;
        }
      }
    });
  }

  async listNodes(): Promise<NodeRecord[]> {
    return this.run(async () =>
      (await this.nodes.find({}).sort({ _id: 1 }).toArray()).map((r) => ({
        name: r._id,
        started_at: r.started_at,
        heartbeat_at: r.heartbeat_at,
        info: r.info,
      })),
    );
  }

  async removeNode(name: string): Promise<void> {
    await this.run(async () => {
      await this.nodes.deleteOne({ _id: name });
    });
  }

  // ---------------------------------------------------------------- leases

  async tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null> {
    return this.run(async () => {
      try {
        const row = await this.leases.findOneAndUpdate(
          { _id: shard, $or: [{ owner: null }, { expires_at: { $lt: now } }, { owner: node }] },
          // Pipeline update: the epoch is kept for a renew by the same owner and bumped on every
          // change of owner (a missing document, i.e. the upsert, starts at 1). Two stages, so
          // that the first one sees the previous owner; $literal, so that a node name starting
          // with "$" is never read as a field path.
          [
            {
              $set: {
                epoch: {
                  $cond: [{ $eq: ['$owner', { $literal: node }] }, '$epoch', { $add: [{ $ifNull: ['$epoch', 0] }, 1] }],
                },
              },
            },
            { $set: { owner: { $literal: node }, expires_at: now + ttlMs } },
          ],
          { upsert: true, returnDocument: 'after' },
        );
        return row ? toLease(row) : null;
      } catch (err) {
        // The lease exists and is validly held by another node (the filter did not match, so
        // the upsert collided on _id), or another node inserted it first.
        if (isDuplicateKey(err)) return null;
        throw err;
      }
    });
  }

  async renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean> {
    return this.run(
      async () =>
        (await this.leases.updateOne({ _id: shard, owner: node, epoch }, { $set: { expires_at: now + ttlMs } })).matchedCount ===
        1,
    );
  }

  async releaseLease(shard: number, node: string, epoch: number): Promise<void> {
    await this.run(async () => {
      await this.leases.updateOne({ _id: shard, owner: node, epoch }, { $set: { owner: null, expires_at: 0 } });
    });
  }

  async listLeases(): Promise<Lease[]> {
    return this.run(async () => (await this.leases.find({}).sort({ _id: 1 }).toArray()).map(toLease));
  }

  async claimShard(shard: number, fence: Fence): Promise<void> {
    if (shard !== fence.shard) throw new RangeError(`claimShard(${shard}) with a fence for shard ${fence.shard}`);
    await this.run(async () => {
      await this.checkFence(fence);
      await this.recipients.updateMany({ shard, epoch: { $lt: fence.epoch } }, { $set: { epoch: fence.epoch } });
    });
  }

  // ---------------------------------------------------------------- deleted auth tokens

  async revokeToken(tokenId: string, expiresAt: number, _now: number): Promise<void> {
    await this.run(async () => {
      // $max: recording the same jti again keeps the later expiry; on insert it sets the value
      await this.revokedTokens.updateOne({ _id: tokenId }, { $max: { expires_at: expiresAt, expire_on: new Date(expiresAt) } }, { upsert: true });
    });
  }

  async isTokenRevoked(tokenId: string, now: number): Promise<boolean> {
    return this.run(async () => (await this.revokedTokens.countDocuments({ _id: tokenId, expires_at: { $gt: now } }, { limit: 1 })) > 0);
  }
}
