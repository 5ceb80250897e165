/**
 * SQLite adapter of the store port (better-sqlite3, synchronous API behind the async port).
 *
 * - One file shared by several processes on one host: WAL journal, and every read-modify-write
 *   (lease acquisition, the rev check of updateUser, fenced writes, claims) in a `BEGIN
 *   IMMEDIATE` transaction, so that the write lock is taken before the read and two processes
 *   can never interleave between the check and the write.
 * - Waiting for another process's lock never blocks the event loop for long (sqlite-lock.ts):
 *   SQLite's own busy handler waits at most SQLITE_BUSY_TIMEOUT_MS (20 ms), a longer wait is
 *   asynchronous, and an operation gives up after `timeoutMs` (STORE_TIMEOUT_MS) with
 *   StoreError('unavailable', 'sqlite store locked: …'). So every operation is ONE statement or
 *   ONE `immediate()` transaction: a SQLITE_BUSY means it changed nothing, and it is run again whole.
 * - Failures of the database itself (read-only, disk full, I/O error, …) become
 *   StoreError('unavailable') whose message names the store and the reason (never a path or a
 *   secret): "sqlite store unavailable: I/O error (SQLITE_IOERR_WRITE)".
 * - Documents are JSON text; the columns that are looked up are kept beside them and indexed
 *   (account name lower-cased, api_key, username lower-cased, qubicle enabled, credential
 *   bucket, recipient shard). Lower-casing is done in JavaScript (full Unicode, the same as
 *   the MongoDB adapter), not with SQLite's ASCII-only lower().
 * - Fencing: saveRecipients / deleteRecipient / claimShard read the shard's lease row inside
 *   the same IMMEDIATE transaction as the write, so the check and the write are atomic. Each
 *   recipient row also keeps the epoch it was written (or claimed) under, and an upsert never
 *   overwrites a row with a newer epoch (belt and braces; the lease check already implies it).
 * - The outbox (port.ts): a change's events are rows of `outbox`, inserted in the same IMMEDIATE
 *   transaction as the fenced state write (a logout's too, with its session and its tombstone in
 *   `logged_out`). Keyed by (account, recipient, seq): the relay deletes by that key once the
 *   broker confirmed, and a new owner lists a shard's rows (each recipient's in seq order). The
 *   table holds only unconfirmed events, so listing a shard scans it without an index.
 * - `:memory:` opens a private in-memory database (unit tests).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AccountDoc, RecipientEvent, RecipientState, StoredUser, UserDoc } from '@qubicle/contracts';
import {
  assertWritesInFenceShard,
  compareUsers,
  isQubicleEnabled,
  leaseAllowsWrite,
  nextRev,
  plainJson,
  usernameKey,
} from './common.js';
import { LockHeld, SQLITE_BUSY_TIMEOUT_MS, SqliteLockWait, isBusyCode } from './sqlite-lock.js';
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

export interface SqliteStoreOptions {
  /** File path (its parent directory is created) or ":memory:". */
  path: string;
  /** How long an operation waits for another process's lock before failing as unavailable (ms). Default 2000. */
  timeoutMs?: number;
  /** How long SQLite's own busy handler blocks the thread per attempt (ms). Default SQLITE_BUSY_TIMEOUT_MS. */
  busyTimeoutMs?: number;
}

/** Default of `timeoutMs` (STORE_TIMEOUT_MS). */
export const SQLITE_DEFAULT_TIMEOUT_MS = 2000;

/** 2: the outbox and logged_out tables (CREATE IF NOT EXISTS: a version-1 file gets them on init). */
const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  name_lower TEXT NOT NULL UNIQUE,
  api_key TEXT UNIQUE,
  doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  username_lower TEXT,
  qubicle_enabled INTEGER NOT NULL,
  cred_bucket TEXT,
  cred_hash TEXT,
  rev TEXT NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS users_account_username ON users (account_id, username_lower);
CREATE INDEX IF NOT EXISTS users_account_qubicle ON users (account_id, qubicle_enabled);
CREATE INDEX IF NOT EXISTS users_account_bucket ON users (account_id, cred_bucket);
CREATE TABLE IF NOT EXISTS recipients (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  shard INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (account_id, recipient_id)
);
CREATE INDEX IF NOT EXISTS recipients_shard ON recipients (shard);
CREATE TABLE IF NOT EXISTS sessions (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  login_session_id TEXT NOT NULL,
  login_time INTEGER NOT NULL,
  logout_time INTEGER NOT NULL,
  node TEXT NOT NULL,
  reason TEXT,
  stats TEXT NOT NULL,
  PRIMARY KEY (account_id, recipient_id, login_session_id)
);
CREATE INDEX IF NOT EXISTS sessions_recipient_logout ON sessions (account_id, recipient_id, logout_time);
CREATE TABLE IF NOT EXISTS leases (
  shard INTEGER PRIMARY KEY,
  owner TEXT,
  epoch INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
  name TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  info TEXT NOT NULL
);
-- deleted auth tokens (jti), kept until the token's own expiry
CREATE TABLE IF NOT EXISTS revoked_tokens (
  token_id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS revoked_tokens_expires ON revoked_tokens (expires_at);
CREATE TABLE IF NOT EXISTS outbox (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (account_id, recipient_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logged_out (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  shard INTEGER NOT NULL,
  forget_at INTEGER NOT NULL,
  recent_commands TEXT NOT NULL,
  PRIMARY KEY (account_id, recipient_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS logged_out_shard_forget ON logged_out (shard, forget_at);
`;

interface UserRow {
  id: string;
  account_id: string;
  rev: string;
  created: number;
  modified: number;
  doc: string;
  cred_bucket: string | null;
  cred_hash: string | null;
}
interface RecipientRow {
  shard: number;
  epoch: number;
  updated: number;
  state: string;
}
interface SessionRow {
  account_id: string;
  recipient_id: string;
  login_session_id: string;
  login_time: number;
  logout_time: number;
  node: string;
  reason: string | null;
  stats: string;
}
interface LeaseRow {
  shard: number;
  owner: string | null;
  epoch: number;
  expires_at: number;
}
interface NodeRow {
  name: string;
  started_at: number;
  heartbeat_at: number;
  info: string;
}

const USER_COLUMNS = 'id, account_id, rev, created, modified, doc, cred_bucket, cred_hash';
const SESSION_COLUMNS = 'account_id, recipient_id, login_session_id, login_time, logout_time, node, reason, stats';
const UPSERT_SESSION = `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (account_id, recipient_id, login_session_id) DO UPDATE SET
    login_time = excluded.login_time, logout_time = excluded.logout_time, node = excluded.node,
    reason = excluded.reason, stats = excluded.stats`;

/** SQLite result codes that mean "the database cannot be used right now", with the reason a client is told. */
const UNAVAILABLE_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/^SQLITE_(BUSY|LOCKED)/, 'locked'],
  [/^SQLITE_FULL/, 'disk full'],
  [/^SQLITE_READONLY/, 'read-only'],
  [/^SQLITE_IOERR/, 'I/O error'],
  [/^SQLITE_CANTOPEN/, 'cannot open the database file'],
  [/^SQLITE_NOMEM/, 'out of memory'],
  [/^SQLITE_PROTOCOL/, 'locking protocol error'],
  [/^SQLITE_(NOTADB|CORRUPT)/, 'database file corrupt'],
];

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isConstraintError(err: unknown): boolean {
  return sqliteCode(err)?.startsWith('SQLITE_CONSTRAINT') ?? false;
}

/** A better-sqlite3 error → StoreError unavailable when the database cannot be used (exported for its test). */
export function sqliteStoreError(err: unknown): unknown {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err);
  const reason = code === undefined ? undefined : UNAVAILABLE_REASONS.find(([re]) => re.test(code))?.[1];
  if (reason !== undefined) {
    return new StoreError('unavailable', `sqlite store unavailable: ${reason} (${code})`, { cause: err });
  }
  if (err instanceof TypeError && /database connection is not open/i.test(err.message)) {
    return new StoreError('unavailable', 'sqlite store is closed', { cause: err });
  }
  return err;
}

function toStoredUser(row: UserRow): StoredUser {
  return { doc: JSON.parse(row.doc) as UserDoc, rev: row.rev, created: row.created, modified: row.modified };
}

function toStoredRecipient(row: RecipientRow): StoredRecipient {
  return { state: JSON.parse(row.state) as RecipientState, shard: row.shard, epoch: row.epoch, updated: row.updated };
}

function toSession(row: SessionRow): SessionRecord {
  const rec: SessionRecord = {
    account_id: row.account_id,
    recipient_id: row.recipient_id,
    login_session_id: row.login_session_id,
    login_time: row.login_time,
    logout_time: row.logout_time,
    stats: JSON.parse(row.stats) as SessionRecord['stats'],
    node: row.node,
  };
  if (row.reason !== null) rec.reason = row.reason;
  return rec;
}

function toLease(row: LeaseRow): Lease {
  return { shard: row.shard, owner: row.owner, epoch: row.epoch, expires_at: row.expires_at };
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  private readonly busyTimeoutMs: number;
  private db: Database.Database | null = null;
  private closed = false;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly lock: SqliteLockWait;

  constructor(options: SqliteStoreOptions) {
    this.path = options.path;
    this.busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS));
    this.lock = new SqliteLockWait({ waitMs: options.timeoutMs ?? SQLITE_DEFAULT_TIMEOUT_MS, probe: () => this.probeLock() });
  }

  // ---------------------------------------------------------------- plumbing

  private conn(): Database.Database {
    if (this.closed) throw new StoreError('unavailable', 'sqlite store is closed');
    if (this.db) return this.db;
    const memory = this.path === ':memory:' || this.path === '';
    if (!memory) mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    try {
      db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    return db;
  }

  /**
   * Prepared statements are cached per SQL text. While another process holds the lock, a write
   * statement is turned back here without asking SQLite (which would block the thread).
   */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.conn().prepare(sql);
      this.statements.set(sql, s);
    }
    if (this.lock.isHeld && !s.readonly) throw new LockHeld();
    return s;
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction (write lock taken before any read). */
  private immediate<T>(fn: () => T): T {
    if (this.lock.isHeld) throw new LockHeld();
    return this.conn().transaction(fn).immediate();
  }

  /**
   * Runs one operation (one statement or one immediate() transaction). SQLITE_BUSY: another
   * process holds the lock; waited for asynchronously (sqlite-lock.ts), then run again whole.
   */
  private async run<T>(fn: () => T): Promise<T> {
    let startedAt: number | undefined;
    for (;;) {
      this.leaveTransaction();
      try {
        return fn();
      } catch (err) {
        this.leaveTransaction();
        if (!isBusyCode(sqliteCode(err))) throw sqliteStoreError(err);
        if (!(err instanceof LockHeld)) this.lock.noteHeld();
        startedAt ??= Date.now();
        await this.lock.wait(startedAt);
      }
    }
  }

  /**
   * Between two operations the connection is never inside a transaction: each operation is one
   * statement or one immediate() transaction, committed or rolled back before it returns. SQLite
   * rolls a transaction back itself when an I/O error or a full disk interrupts it (WAL), and
   * better-sqlite3 sends ROLLBACK after any other error — but should that ROLLBACK fail as well,
   * the connection would stay in the transaction: it would keep the write lock (every other
   * process would find the database locked, for as long as this one lives), the probe would take
   * it for another process's lock, and the next immediate() would nest in it as a SAVEPOINT whose
   * writes are never committed. So whatever is still open is rolled back here, and if even that
   * fails the connection is closed (SQLite rolls back and gives every lock up on close) and the
   * next operation opens a new one. Costs one sqlite3_get_autocommit() per operation.
   */
  private leaveTransaction(): void {
    const db = this.db;
    if (!db?.open || !db.inTransaction) return;
    try {
      db.exec('ROLLBACK');
    } catch {
      // closed below
    }
    if (!db.inTransaction) return;
    this.statements.clear();
    this.db = null;
    try {
      db.close();
    } catch {
      // gone either way: a new connection is opened by the next operation
    }
  }

  /** Takes and gives back the write lock without waiting: true when it was free. */
  private probeLock(): boolean {
    this.leaveTransaction();
    const db = this.db;
    if (!db?.open) return true; // closed (or reopened by the next operation): the operations will say so
    db.pragma('busy_timeout = 0');
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
      return true;
    } catch (err) {
      if (isBusyCode(sqliteCode(err))) return false;
      throw err;
    } finally {
      this.leaveTransaction();
      if (db.open) db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }

  /** The lock another process held was released (sqlite-lock.ts): operations go through again. */
  onAvailable(listener: () => void): () => void {
    return this.lock.onReleased(listener);
  }

  // ---------------------------------------------------------------- lifecycle

  async init(): Promise<void> {
    const db = await this.run(() => this.conn());
    if (this.path !== ':memory:' && this.path !== '') {
      // Switching to WAL needs an exclusive lock for a moment; several processes starting
      // at once may see SQLITE_BUSY here even with the busy timeout, so retry a few times.
      for (let attempt = 0; ; attempt++) {
        try {
          const mode = db.pragma('journal_mode = WAL', { simple: true });
          if (String(mode).toLowerCase() !== 'wal') {
            throw new StoreError('unavailable', `sqlite store unavailable: cannot enable the WAL journal (got ${String(mode)})`);
          }
          break;
        } catch (err) {
          if (attempt >= 50 || !isBusyCode(sqliteCode(err))) throw sqliteStoreError(err);
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
        }
      }
    }
    await this.run(() =>
      this.immediate(() => {
        db.exec(SCHEMA);
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }),
    );
  }

  async ping(): Promise<void> {
    await this.run(() => {
      this.stmt('SELECT 1').get();
    });
  }

  async close(): Promise<void> {
    this.lock.close();
    this.statements.clear();
    const db = this.db;
    this.db = null;
    this.closed = true;
    if (db?.open) db.close();
  }

  // ---------------------------------------------------------------- meta

  async getOrSetMeta<T>(key: string, value: T): Promise<T> {
    return this.run(() =>
      this.immediate(() => {
        this.stmt('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(key, JSON.stringify(value));
        const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string };
        return JSON.parse(row.value) as T;
      }),
    );
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.run(() => {
      const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    });
  }

  // ---------------------------------------------------------------- accounts

  async createAccount(doc: AccountDoc): Promise<void> {
    await this.run(() => {
      try {
        this.stmt('INSERT INTO accounts (id, name_lower, api_key, doc) VALUES (?, ?, ?, ?)').run(
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
    return this.run(() => {
      const row = this.stmt(`SELECT doc FROM accounts WHERE ${column} = ?`).get(value) as { doc: string } | undefined;
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
    await this.run(() => {
      let changes: number;
      try {
        changes = this.stmt('UPDATE accounts SET name_lower = ?, api_key = ?, doc = ? WHERE id = ?').run(
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

  // ---------------------------------------------------------------- users

  async listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]> {
    return this.run(() => {
      const rows = (
        filter?.qubicleOnly
          ? this.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE account_id = ? AND qubicle_enabled = 1`).all(accountId)
          : this.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE account_id = ?`).all(accountId)
      ) as UserRow[];
      return rows.map(toStoredUser).sort(compareUsers);
    });
  }

  async getUser(accountId: string, userId: string): Promise<StoredUser | null> {
    return this.run(() => {
      const row = this.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? AND account_id = ?`).get(userId, accountId) as
        | UserRow
        | undefined;
      return row ? toStoredUser(row) : null;
    });
  }

  async getUserByUsername(accountId: string, username: string): Promise<StoredUser | null> {
    const key = usernameKey(username);
    if (key === null) return null;
    return this.run(() => {
      const row = this.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE account_id = ? AND username_lower = ?`).get(
        accountId,
        key,
      ) as UserRow | undefined;
      return row ? toStoredUser(row) : null;
    });
  }

  async createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser> {
    return this.run(() => {
      const now = Date.now();
      const stored: StoredUser = { doc: plainJson(doc), rev: nextRev(null), created: now, modified: now };
      try {
        this.stmt(
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
    return this.run(() =>
      this.immediate(() => {
        const row = this.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? AND account_id = ?`).get(
          doc.id,
          doc.account_id,
        ) as UserRow | undefined;
        if (!row) throw new StoreError('not_found', `user ${doc.id} not found`);
        if (expectedRev !== null && expectedRev !== row.rev) {
          throw new StoreError('conflict', `user ${doc.id}: revision ${expectedRev} is not the current one`);
        }
        const now = Date.now();
        const stored: StoredUser = { doc: plainJson(doc), rev: nextRev(row.rev), created: row.created, modified: now };
        const bucket = creds === undefined ? row.cred_bucket : (creds?.bucket ?? null);
        const hash = creds === undefined ? row.cred_hash : (creds?.hash ?? null);
        try {
          this.stmt(
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
    return this.run(() => this.stmt('DELETE FROM users WHERE id = ? AND account_id = ?').run(userId, accountId).changes > 0);
  }

  async findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>> {
    return this.run(() => {
      const rows = this.stmt(
        `SELECT ${USER_COLUMNS} FROM users WHERE account_id = ? AND cred_bucket = ? AND cred_hash IS NOT NULL`,
      ).all(accountId, bucket) as UserRow[];
      return rows
        .map((row) => ({ user: toStoredUser(row), hash: row.cred_hash as string }))
        .sort((a, b) => compareUsers(a.user, b.user));
    });
  }

  // ---------------------------------------------------------------- recipients

  async loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null> {
    return this.run(() => {
      const row = this.stmt(
        'SELECT shard, epoch, updated, state FROM recipients WHERE account_id = ? AND recipient_id = ?',
      ).get(accountId, recipientId) as RecipientRow | undefined;
      return row ? toStoredRecipient(row) : null;
    });
  }

  async listRecipientsByShard(shard: number): Promise<StoredRecipient[]> {
    return this.run(() =>
      (
        this.stmt(
          'SELECT shard, epoch, updated, state FROM recipients WHERE shard = ? ORDER BY account_id, recipient_id',
        ).all(shard) as RecipientRow[]
      ).map(toStoredRecipient),
    );
  }

  async countRecipientsByShard(): Promise<Map<number, number>> {
    return this.run(() => {
      const rows = this.stmt('SELECT shard, COUNT(*) AS n FROM recipients GROUP BY shard ORDER BY shard').all() as Array<{
        shard: number;
        n: number;
      }>;
      return new Map(rows.map((r) => [r.shard, r.n]));
    });
  }

  /** Inside a transaction: throws StoreError('fenced') unless the fence holds the shard's lease. */
  private checkFence(fence: Fence): void {
    const lease = this.stmt('SELECT shard, owner, epoch, expires_at FROM leases WHERE shard = ?').get(fence.shard) as
      | LeaseRow
      | undefined;
    if (!leaseAllowsWrite(lease, fence)) {
      throw new StoreError(
        'fenced',
        `shard ${fence.shard}: ${fence.node}@${fence.epoch} no longer holds the lease (now ${lease?.owner ?? 'nobody'}@${lease?.epoch ?? 0})`,
      );
    }
  }

  async saveRecipients(writes: RecipientWrite[], fence: Fence): Promise<void> {
    assertWritesInFenceShard(writes, fence);
    await this.run(() =>
      this.immediate(() => {
        this.checkFence(fence);
        this.upsertRecipients(writes, fence, Date.now());
      }),
    );
  }

  /**
   * One IMMEDIATE transaction for every group; each group in its own savepoint (better-sqlite3
   * nests a transaction as a SAVEPOINT), so a fenced group is rolled back alone.
   */
  async saveRecipientGroups(groups: Array<{ writes: RecipientWrite[]; fence: Fence }>): Promise<Array<StoreError | null>> {
    for (const g of groups) assertWritesInFenceShard(g.writes, g.fence);
    return this.run(() =>
      this.immediate(() => {
        const now = Date.now();
        return groups.map((g) => {
          try {
            const write = () => {
              this.checkFence(g.fence);
              this.upsertRecipients(g.writes, g.fence, now);
            };
            // A group of one write needs no savepoint: the fence check throws before the write, and
            // a refused upsert (newer epoch) wrote nothing (its events are inserted after it). Under load most groups are one write
            // (one shard's share of a tick), and SAVEPOINT + RELEASE cost as much as the upsert.
            if (g.writes.length === 1) write();
            else this.conn().transaction(write)();
            return null;
          } catch (err) {
            if (err instanceof StoreError) return err;
            throw err;
          }
        });
      }),
    );
  }

  private upsertRecipients(writes: RecipientWrite[], fence: Fence, now: number): void {
    const upsert = this.stmt(
      `INSERT INTO recipients (account_id, recipient_id, shard, epoch, updated, state) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account_id, recipient_id) DO UPDATE SET
         shard = excluded.shard, epoch = excluded.epoch, updated = excluded.updated, state = excluded.state
       WHERE recipients.epoch <= excluded.epoch`,
    );
    for (const w of writes) {
      const r = upsert.run(w.state.account_id, w.state.recipient_id, w.shard, fence.epoch, now, JSON.stringify(w.state));
      if (r.changes === 0) {
        // A newer epoch wrote this row: roll the whole batch back.
        throw new StoreError(
          'fenced',
          `recipient ${w.state.account_id}/${w.state.recipient_id} was written under a newer epoch than ${fence.epoch}`,
        );
      }
      if (w.events) this.insertOutbox(w.events, w.shard);
    }
  }

  /** Inside the write's transaction. A replayed identical row (same key) replaces itself. */
  private insertOutbox(events: readonly RecipientEvent[], shard: number): void {
    if (events.length === 0) return;
    const insert = this.stmt('INSERT OR REPLACE INTO outbox (account_id, recipient_id, seq, shard, event) VALUES (?, ?, ?, ?, ?)');
    for (const e of events) insert.run(e.account_id, e.recipient_id, e.seq, shard, JSON.stringify(e));
  }

  async logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void> {
    const { account_id: accountId, recipient_id: recipientId, shard } = logout;
    if (shard !== fence.shard) {
      throw new RangeError(`recipient ${accountId}/${recipientId} logged out with shard ${shard} under a fence for shard ${fence.shard}`);
    }
    await this.run(() =>
      this.immediate(() => {
        this.checkFence(fence);
        const row = this.stmt('SELECT epoch FROM recipients WHERE account_id = ? AND recipient_id = ?').get(
          accountId,
          recipientId,
        ) as { epoch: number } | undefined;
        if (row && row.epoch > fence.epoch) {
          throw new StoreError('fenced', `recipient ${accountId}/${recipientId} was written under a newer epoch than ${fence.epoch}`);
        }
        if (row) this.stmt('DELETE FROM recipients WHERE account_id = ? AND recipient_id = ?').run(accountId, recipientId);
        if (logout.session) this.upsertSession(logout.session);
        this.stmt('DELETE FROM logged_out WHERE shard = ? AND forget_at < ?').run(shard, logout.now);
        if (logout.forget_at > logout.now) {
          this.stmt(
            `INSERT INTO logged_out (account_id, recipient_id, shard, forget_at, recent_commands) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (account_id, recipient_id) DO UPDATE SET
               shard = excluded.shard, forget_at = excluded.forget_at, recent_commands = excluded.recent_commands`,
          ).run(accountId, recipientId, shard, logout.forget_at, JSON.stringify(logout.recent_commands));
        } else {
          // nothing to remember (RECENT_COMMANDS_TTL_MS=0): an older tombstone must not speak for this logout
          this.stmt('DELETE FROM logged_out WHERE account_id = ? AND recipient_id = ?').run(accountId, recipientId);
        }
        this.insertOutbox(logout.events, shard);
      }),
    );
  }

  async loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null> {
    return this.run(() => {
      const row = this.stmt(
        'SELECT forget_at, recent_commands FROM logged_out WHERE account_id = ? AND recipient_id = ? AND forget_at > ?',
      ).get(accountId, recipientId, now) as { forget_at: number; recent_commands: string } | undefined;
      return row ? { forget_at: row.forget_at, recent_commands: JSON.parse(row.recent_commands) as string[] } : null;
    });
  }

  // ---------------------------------------------------------------- outbox

  async listOutbox(shard: number): Promise<RecipientEvent[]> {
    return this.run(() =>
      (
        this.stmt('SELECT event FROM outbox WHERE shard = ? ORDER BY account_id, recipient_id, seq').all(shard) as Array<{ event: string }>
      ).map((r) => JSON.parse(r.event) as RecipientEvent),
    );
  }

  async deleteOutbox(published: readonly OutboxKey[]): Promise<void> {
    if (published.length === 0) return;
    await this.run(() =>
      this.immediate(() => {
        const del = this.stmt('DELETE FROM outbox WHERE account_id = ? AND recipient_id = ? AND seq <= ?');
        for (const k of published) del.run(k.account_id, k.recipient_id, k.seq);
      }),
    );
  }

  // ---------------------------------------------------------------- sessions

  async appendSession(rec: SessionRecord): Promise<void> {
    await this.run(() => this.upsertSession(rec));
  }

  private upsertSession(rec: SessionRecord): void {
    this.stmt(UPSERT_SESSION).run(
      rec.account_id,
      rec.recipient_id,
      rec.login_session_id,
      rec.login_time,
      rec.logout_time,
      rec.node,
      rec.reason ?? null,
      JSON.stringify(rec.stats),
    );
  }

  async listSessions(
    accountId: string,
    recipientId: string,
    opts: { limit: number; before?: number },
  ): Promise<SessionRecord[]> {
    const limit = Math.floor(opts.limit);
    if (!(limit > 0)) return [];
    return this.run(() => {
      const rows = (
        opts.before === undefined
          ? this.stmt(
              `SELECT ${SESSION_COLUMNS} FROM sessions WHERE account_id = ? AND recipient_id = ?
               ORDER BY logout_time DESC, login_session_id DESC LIMIT ?`,
            ).all(accountId, recipientId, limit)
          : this.stmt(
              `SELECT ${SESSION_COLUMNS} FROM sessions WHERE account_id = ? AND recipient_id = ? AND logout_time < ?
               ORDER BY logout_time DESC, login_session_id DESC LIMIT ?`,
            ).all(accountId, recipientId, opts.before, limit)
      ) as SessionRow[];
      return rows.map(toSession);
    });
  }

  // ---------------------------------------------------------------- nodes

  async heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void> {
    await this.run(() => {
      this.stmt(
        `INSERT INTO nodes (name, started_at, heartbeat_at, info) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, info = excluded.info`,
      ).run(name, now, now, JSON.stringify(info));
    });
  }

  async listNodes(): Promise<NodeRecord[]> {
    return this.run(() =>
      (this.stmt('SELECT name, started_at, heartbeat_at, info FROM nodes ORDER BY name').all() as NodeRow[]).map((r) => ({
        name: r.name,
        started_at: r.started_at,
        heartbeat_at: r.heartbeat_at,
        info: JSON.parse(r.info) as Record<string, unknown>,
      })),
    );
  }

  async removeNode(name: string): Promise<void> {
    await this.run(() => {
      this.stmt('DELETE FROM nodes WHERE name = ?').run(name);
    });
  }

  // ---------------------------------------------------------------- leases

  async tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null> {
    return this.run(() =>
      this.immediate(() => {
        const expiresAt = now + ttlMs;
        const row = this.stmt('SELECT shard, owner, epoch, expires_at FROM leases WHERE shard = ?').get(shard) as
          | LeaseRow
          | undefined;
        if (!row) {
          this.stmt('INSERT INTO leases (shard, owner, epoch, expires_at) VALUES (?, ?, 1, ?)').run(shard, node, expiresAt);
          return { shard, owner: node, epoch: 1, expires_at: expiresAt };
        }
        if (row.owner === node) {
          this.stmt('UPDATE leases SET expires_at = ? WHERE shard = ?').run(expiresAt, shard);
          return { shard, owner: node, epoch: row.epoch, expires_at: expiresAt };
        }
        if (row.owner === null || row.expires_at < now) {
          const epoch = row.epoch + 1;
          this.stmt('UPDATE leases SET owner = ?, epoch = ?, expires_at = ? WHERE shard = ?').run(node, epoch, expiresAt, shard);
          return { shard, owner: node, epoch, expires_at: expiresAt };
        }
        return null;
      }),
    );
  }

  async renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean> {
    return this.run(
      () =>
        this.stmt('UPDATE leases SET expires_at = ? WHERE shard = ? AND owner = ? AND epoch = ?').run(
          now + ttlMs,
          shard,
          node,
          epoch,
        ).changes === 1,
    );
  }

  async releaseLease(shard: number, node: string, epoch: number): Promise<void> {
    await this.run(() => {
      this.stmt('UPDATE leases SET owner = NULL, expires_at = 0 WHERE shard = ? AND owner = ? AND epoch = ?').run(
        shard,
        node,
        epoch,
      );
    });
  }

  async listLeases(): Promise<Lease[]> {
    return this.run(() =>
      (this.stmt('SELECT shard, owner, epoch, expires_at FROM leases ORDER BY shard').all() as LeaseRow[]).map(toLease),
    );
  }

  async claimShard(shard: number, fence: Fence): Promise<void> {
    if (shard !== fence.shard) throw new RangeError(`claimShard(${shard}) with a fence for shard ${fence.shard}`);
    await this.run(() =>
      this.immediate(() => {
        this.checkFence(fence);
        // Not needed for fencing here (the lease check above is atomic with every write), but it
        // keeps StoredRecipient.epoch the same as in the MongoDB adapter.
        this.stmt('UPDATE recipients SET epoch = ? WHERE shard = ? AND epoch < ?').run(fence.epoch, shard, fence.epoch);
      }),
    );
  }

  // ---------------------------------------------------------------- deleted auth tokens

  async revokeToken(tokenId: string, expiresAt: number, now: number): Promise<void> {
    await this.run(() =>
      this.immediate(() => {
        // the expired ones go with the next deletion (indexed; a handful of rows at a time)
        this.stmt('DELETE FROM revoked_tokens WHERE expires_at <= ?').run(now);
        this.stmt(
          'INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?) ON CONFLICT (token_id) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)',
        ).run(tokenId, expiresAt);
      }),
    );
  }

  async isTokenRevoked(tokenId: string, now: number): Promise<boolean> {
    return this.run(() => this.stmt('SELECT 1 FROM revoked_tokens WHERE token_id = ? AND expires_at > ?').get(tokenId, now) !== undefined);
  }
}
