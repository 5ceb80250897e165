/**
 * The SQLite connection (better-sqlite3, synchronous API behind the async port) that the
 * aggregates of this adapter share.
 *
 * - One file shared by several processes on one host: WAL journal, and every read-modify-write
 *   (lease acquisition, the rev check of updateUser, fenced writes, claims) in a `BEGIN
 *   IMMEDIATE` transaction (`immediate`), so that the write lock is taken before the read and two
 *   processes can never interleave between the check and the write.
 * - Waiting for another process's lock never blocks the event loop for long (lock.ts):
 *   SQLite's own busy handler waits at most SQLITE_BUSY_TIMEOUT_MS (20 ms), a longer wait is
 *   asynchronous, and an operation gives up after `timeoutMs` (STORE_TIMEOUT_MS) with
 *   StoreError('unavailable', 'sqlite store locked: …'). So every operation (`run`) is ONE
 *   statement or ONE `immediate()` transaction: a SQLITE_BUSY means it changed nothing, and it is
 *   run again whole.
 * - Failures of the database itself become StoreError('unavailable') (errors.ts).
 * - `:memory:` opens a private in-memory database (unit tests).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { StoreError } from '../errors.js';
import type { StoreLifecycle } from '../ports/lifecycle.js';
import { sqliteCode, sqliteStoreError } from './errors.js';
import { LockHeld, SQLITE_BUSY_TIMEOUT_MS, SqliteLockWait, isBusyCode } from './lock.js';
import { ADDED_COLUMNS, SCHEMA, SCHEMA_VERSION } from './schema.js';

export interface SqliteConnectionOptions {
  /** File path (its parent directory is created) or ":memory:". */
  path: string;
  /** How long an operation waits for another process's lock before failing as unavailable (ms). Default 2000. */
  timeoutMs?: number;
  /** How long SQLite's own busy handler blocks the thread per attempt (ms). Default SQLITE_BUSY_TIMEOUT_MS. */
  busyTimeoutMs?: number;
  clock: Clock;
}

/** Default of `timeoutMs` (STORE_TIMEOUT_MS). */
export const SQLITE_DEFAULT_TIMEOUT_MS = 2000;

export class SqliteConnection implements Omit<StoreLifecycle, 'kind'> {
  readonly path: string;
  readonly clock: Clock;
  private readonly busyTimeoutMs: number;
  private db: Database.Database | null = null;
  private closed = false;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly lock: SqliteLockWait;

  constructor(options: SqliteConnectionOptions) {
    this.path = options.path;
    this.clock = options.clock;
    this.busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS));
    this.lock = new SqliteLockWait({ waitMs: options.timeoutMs ?? SQLITE_DEFAULT_TIMEOUT_MS, probe: () => this.probeLock(), clock: this.clock });
  }

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
  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.conn().prepare(sql);
      this.statements.set(sql, s);
    }
    if (this.lock.isHeld && !s.readonly) throw new LockHeld();
    return s;
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction (write lock taken before any read). */
  immediate<T>(fn: () => T): T {
    if (this.lock.isHeld) throw new LockHeld();
    return this.conn().transaction(fn).immediate();
  }

  /**
   * Runs one operation (one statement or one immediate() transaction). SQLITE_BUSY: another
   * process holds the lock; waited for asynchronously (sqlite-lock.ts), then run again whole.
   */
  async run<T>(fn: () => T): Promise<T> {
    let startedAt: number | undefined;
    for (;;) {
      this.leaveTransaction();
      try {
        return fn();
      } catch (err) {
        this.leaveTransaction();
        if (!isBusyCode(sqliteCode(err))) throw sqliteStoreError(err);
        if (!(err instanceof LockHeld)) this.lock.noteHeld();
        startedAt ??= this.clock.now();
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
          await new Promise<void>((resolve) => this.clock.setTimer(this.clock.now() + 20 + Math.random() * 30, resolve));
        }
      }
    }
    await this.run(() =>
      this.immediate(() => {
        db.exec(SCHEMA);
        for (const [table, column, definition] of ADDED_COLUMNS) {
          const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
          if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
        }
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

  /** Inside an immediate() transaction: `fn` in a SAVEPOINT (better-sqlite3 nests a transaction so), rolled back alone if it throws. */
  savepoint<T>(fn: () => T): T {
    return this.conn().transaction(fn)();
  }
}
