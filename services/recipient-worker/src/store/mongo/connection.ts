/**
 * The MongoDB connection (driver v7) that the aggregates of this adapter share: the client, the
 * collections, error mapping (errors.ts) and, on a replica set, transactions.
 *
 * Collections: accounts, users, recipients, sessions, leases, nodes, meta, revoked_tokens
 * (deleted auth tokens, removed by a TTL index once expired), queues (each with its roster and
 * roles, queues.ts). Documents are kept as
 * sub-documents (`doc`, `state`) beside the indexed look-up fields (name_lower, api_key,
 * username_lower, qubicle_enabled, cred_bucket, shard). They are JSON round-tripped before being
 * written, so what is read back is exactly what the SQLite adapter returns (no `undefined` turned
 * into null, no class instances).
 *
 * Every wait of the driver is bounded by `timeoutMs` (STORE_TIMEOUT_MS, default 2000), well under
 * the gateways' RPC timeout, so that a store outage answers 503 rather than 504: server selection,
 * connect, the wait for a pooled connection; the server monitor checks every second, so a server
 * that stops answering (a network partition) is noticed within about 1 s + `timeoutMs`, and the
 * operations hanging on it are interrupted then (the driver clears the pool with
 * InterruptInUseConnections). No socket timeout: a long but healthy operation (an index build at
 * start-up) must not be cut. The driver's `timeoutMS` (CSOT) has no effect in driver 7 and is not
 * used.
 *
 * ## Fencing mode (fencing.ts)
 * `init` asks the server `hello`: a replica set member (it names its `setName`) runs
 * multi-document transactions, so the fenced writes run in one (`fencing = 'transactions'`); a
 * standalone server cannot, and they keep the single-document scheme (`'single-document'`). The
 * mode is logged once, at init.
 */
import { MongoClient, type ClientSession, type Collection, type Db, type MongoClientOptions, type TransactionOptions } from 'mongodb';
import type { AccountDoc, AuditEntry, QueueDoc, QueueRoles, RecipientEvent, RecipientState, SessionRecord, UserDoc } from '@qubicle/contracts';
import type { Clock } from '../../clock.js';
import { StoreError } from '../errors.js';
import type { StoreLifecycle } from '../ports/lifecycle.js';
import type { LoggedOutRecipient } from '../records.js';
import { MONGO_DEFAULT_TIMEOUT_MS, mongoStoreError } from './errors.js';

/** pino-compatible subset: where the adapter says, at init, which fencing mode it uses. */
export interface MongoStoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MongoConnectionOptions {
  url: string;
  /** Database name; default: the one in the URL's path, else "qubicle". */
  dbName?: string;
  /** How long an operation waits for a usable server (selection, connect, pool) before failing as unavailable (ms). Default 2000. */
  timeoutMs?: number;
  /** Extra driver options. */
  clientOptions?: MongoClientOptions;
  clock: Clock;
  logger?: MongoStoreLogger;
}

/** How the fenced writes are made atomic with their lease check (fencing.ts). */
export type MongoFencing = 'transactions' | 'single-document';

/** The server monitor's check interval: a partition is noticed within about this + timeoutMs. */
const HEARTBEAT_MS = 1000;

/**
 * A fenced write reads and writes the primary, sees only majority-committed data and commits
 * with majority: what a new owner reads after its claim cannot be rolled back under it.
 */
const TRANSACTION_OPTIONS: TransactionOptions = {
  readPreference: 'primary',
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
};

export interface MetaRow {
  _id: string;
  value: unknown;
}
export interface AccountRow {
  _id: string;
  name_lower: string;
  /** Absent when the account has no api key (so the unique index ignores it). */
  api_key?: string;
  doc: AccountDoc;
}
export interface UserRow {
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
export interface RecipientRow {
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

/** A running queue (ports/queues-runtime.ts): its fenced state and its unpublished events, in one document. */
export interface QueueRuntimeRow {
  _id: string;
  account_id: string;
  queue_id: string;
  shard: number;
  epoch: number;
  /** null: deleted, kept while its last events are unpublished */
  state: unknown | null;
  outbox?: Array<{ account_id: string; queue_id: string; seq: number; [k: string]: unknown }>;
}

/** A caller session, one per call of an account. */
export interface CallSessionRow {
  _id: string;
  seq: number;
  phase: string;
  session: unknown;
  /** the session's shard and the epoch it was last written under (fencing) */
  shard?: number;
  epoch?: number;
  /** unpublished session events (the session outbox), pushed in the session's own write */
  outbox?: unknown[];
}

/** An AuditEntry as the `audit` collection keeps it, _id = audit.ts `auditKey`. */
export interface AuditRow extends AuditEntry {
  _id: string;
}

/** A SessionRecord as the `sessions` collection keeps it, under its own _id. */
export interface SessionRow extends SessionRecord {
  _id: string;
}
export interface LeaseRow {
  _id: number;
  owner: string | null;
  epoch: number;
  expires_at: number;
  /** ms since epoch of the last fenced write in a transaction (fencing.ts: the write that makes the lease part of it) */
  fenced_write_at?: number;
}
export interface NodeRow {
  _id: string;
  started_at: number;
  heartbeat_at: number;
  info: Record<string, unknown>;
}
export interface RevokedTokenRow {
  /** the token's jti */
  _id: string;
  /** ms since epoch (what reads compare with) */
  expires_at: number;
  /** the same instant as a Date, for the TTL index (which only reads dates) */
  expire_on: Date;
}

export interface QueueRow {
  /** the queue id */
  _id: string;
  account_id: string;
  doc: QueueDoc;
  rev: string;
  created: number;
  modified: number;
  /** recipient ids, sorted (multikey index account_roster) */
  roster: string[];
  roles: QueueRoles;
}

/** The database named in a mongodb:// or mongodb+srv:// URL, if any. */
export function dbNameFromUrl(url: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(url);
  const name = m?.[1] ? decodeURIComponent(m[1]) : undefined;
  return name ? name : undefined;
}

export class MongoConnection implements Omit<StoreLifecycle, 'kind'> {
  readonly dbName: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** 'single-document' until init found a replica set. */
  fencing: MongoFencing = 'single-document';
  private readonly logger: MongoStoreLogger | undefined;
  private readonly client: MongoClient;
  private readonly db: Db;
  private closed = false;
  readonly meta: Collection<MetaRow>;
  readonly accounts: Collection<AccountRow>;
  readonly users: Collection<UserRow>;
  readonly recipients: Collection<RecipientRow>;
  readonly sessions: Collection<SessionRow>;
  readonly audit: Collection<AuditRow>;
  readonly leases: Collection<LeaseRow>;
  readonly nodes: Collection<NodeRow>;
  readonly revokedTokens: Collection<RevokedTokenRow>;
  readonly queues: Collection<QueueRow>;
  readonly queueRuntime: Collection<QueueRuntimeRow>;
  readonly callSessions: Collection<CallSessionRow>;

  constructor(options: MongoConnectionOptions) {
    this.dbName = options.dbName ?? dbNameFromUrl(options.url) ?? 'qubicle';
    this.timeoutMs = options.timeoutMs ?? MONGO_DEFAULT_TIMEOUT_MS;
    this.clock = options.clock;
    this.logger = options.logger;
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
    this.audit = this.db.collection<AuditRow>('audit');
    this.leases = this.db.collection<LeaseRow>('leases');
    this.nodes = this.db.collection<NodeRow>('nodes');
    this.revokedTokens = this.db.collection<RevokedTokenRow>('revoked_tokens');
    this.queues = this.db.collection<QueueRow>('queues');
    this.queueRuntime = this.db.collection<QueueRuntimeRow>('queue_runtime');
    this.callSessions = this.db.collection<CallSessionRow>('call_sessions');
  }

  /** One operation: a closed store is unavailable, and driver errors are mapped (errors.ts). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('unavailable', 'mongodb store is closed');
    try {
      return await fn();
    } catch (err) {
      throw mongoStoreError(err, this.timeoutMs);
    }
  }

  /**
   * `fn` in one multi-document transaction (replica set only: see fencing). The driver's
   * withTransaction commits, and runs `fn` again whole on a TransientTransactionError (a write
   * conflict with a concurrent lease change, a primary election) and retries the commit on
   * UnknownTransactionCommitResult; any other error aborts and is thrown. So `fn` must be
   * idempotent, pass `session` to every operation, and never swallow an error of one.
   */
  async transaction<T>(fn: (session: ClientSession) => Promise<T>): Promise<T> {
    return this.client.withSession((session) => session.withTransaction(() => fn(session), TRANSACTION_OPTIONS));
  }

  async init(): Promise<void> {
    await this.run(async () => {
      await this.client.connect();
      await this.detectFencing();
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
        this.audit.createIndexes([
          { key: { account_id: 1, timestamp: -1, recipient_id: -1, seq: -1 }, name: 'account_time' },
          { key: { timestamp: 1 }, name: 'time' },
        ]),
        // MongoDB deletes a record within about a minute after expire_on; reads check expires_at themselves
        this.revokedTokens.createIndexes([{ key: { expire_on: 1 }, name: 'expire_on_ttl', expireAfterSeconds: 0 }]),
        // a queue's members (multikey): the membership look-up of a recipient
        this.queues.createIndexes([{ key: { account_id: 1, roster: 1 }, name: 'account_roster' }]),
        this.queueRuntime.createIndexes([{ key: { shard: 1, account_id: 1, queue_id: 1 }, name: 'shard_account_queue' }]),
        // a taken shard's unpublished session events; a published event's session
        this.callSessions.createIndexes([
          { key: { shard: 1 }, name: 'shard' },
          { key: { 'outbox.session_id': 1 }, name: 'outbox_session', sparse: true },
        ]),
      ]);
    });
  }

  /** Replica set member (hello names its set): transactions; else (standalone) single-document fencing. Logged by each init. */
  private async detectFencing(): Promise<void> {
    const hello = (await this.db.admin().command({ hello: 1 })) as { setName?: unknown };
    const setName = typeof hello.setName === 'string' ? hello.setName : undefined;
    this.fencing = setName === undefined ? 'single-document' : 'transactions';
    if (setName !== undefined) {
      this.logger?.info(
        { store: 'mongodb', fencing: this.fencing, replicaSet: setName },
        'mongodb store: replica set, fenced writes run in multi-document transactions',
      );
    } else {
      this.logger?.warn(
        { store: 'mongodb', fencing: this.fencing },
        'mongodb store: standalone server (no transactions), fenced writes use per-document epochs; run a replica set in production',
      );
    }
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
}
