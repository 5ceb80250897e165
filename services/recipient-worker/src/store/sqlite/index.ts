/**
 * SQLite adapter of the store port: one connection (connection.ts) shared by the aggregates
 * (directory.ts, recipients.ts, sessions.ts, cluster.ts); fencing in fencing.ts. The embedded
 * default: several processes on one host may share one file.
 */
import { createSystemClock, type Clock } from '../../clock.js';
import { CompositeStore } from '../composite-store.js';
import { SqliteQueueRuntimeStore } from './queues-runtime.js';
import { SqliteClusterStore } from './cluster.js';
import { SqliteConnection } from './connection.js';
import { SqliteDirectoryStore } from './directory.js';
import { SqliteQueueStore } from './queues.js';
import { SqliteRecipientStore } from './recipients.js';
import { SqliteSessionStore } from './sessions.js';
import { SqliteAuditStore } from './audit.js';

export { SQLITE_DEFAULT_TIMEOUT_MS } from './connection.js';
export { sqliteStoreError } from './errors.js';

export interface SqliteStoreOptions {
  /** File path (its parent directory is created) or ":memory:". */
  path: string;
  /** How long an operation waits for another process's lock before failing as unavailable (ms). Default 2000. */
  timeoutMs?: number;
  /** How long SQLite's own busy handler blocks the thread per attempt (ms). Default SQLITE_BUSY_TIMEOUT_MS. */
  busyTimeoutMs?: number;
  /** The time (rows' `updated`, users' `created`/`modified`) and the lock-wait timers. Default: the system clock. */
  clock?: Clock;
}

export class SqliteStore extends CompositeStore {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  // always present here (the connection and the recipients adapter have them)
  declare readonly saveRecipientGroups: NonNullable<CompositeStore['saveRecipientGroups']>;
  declare readonly onAvailable: NonNullable<CompositeStore['onAvailable']>;

  /** The running queues and caller sessions (ports/queues-runtime.ts), on the same connection. */
  readonly queues: SqliteQueueRuntimeStore;

  constructor(options: SqliteStoreOptions) {
    const db = new SqliteConnection({ ...options, clock: options.clock ?? createSystemClock() });
    super({
      connection: db,
      directory: new SqliteDirectoryStore(db),
      recipients: new SqliteRecipientStore(db),
      sessions: new SqliteSessionStore(db),
      audit: new SqliteAuditStore(db),
      cluster: new SqliteClusterStore(db),
      queues: new SqliteQueueStore(db),
    });
    this.queues = new SqliteQueueRuntimeStore(db);
    this.path = options.path;
  }
}
