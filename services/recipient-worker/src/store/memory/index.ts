/**
 * Memory adapter of the store port: one process, no persistence. The unit tests' store (it runs
 * the same contract suite as SQLite and MongoDB), and `STORE=memory`-style embedded runs that
 * need no file. Its tables are public (connection.ts) for tests that set a row up or look at one.
 */
import { createSystemClock, type Clock } from '../../clock.js';
import { CompositeStore } from '../composite-store.js';
import { MemoryQueueRuntimeStore } from './queues-runtime.js';
import { MemoryClusterStore } from './cluster.js';
import { MemoryConnection, type MemoryTables } from './connection.js';
import { MemoryDirectoryStore } from './directory.js';
import { MemoryQueueStore } from './queues.js';
import { MemoryRecipientStore } from './recipients.js';
import { MemorySessionStore } from './sessions.js';
import { MemoryAuditStore } from './audit.js';

export type { MemoryTables, MemoryUserRow } from './connection.js';

export interface MemoryStoreOptions {
  /** The time (rows' `updated`, users' `created`/`modified`). Default: the system clock. */
  clock?: Clock;
}

export class MemoryStore extends CompositeStore {
  readonly kind = 'memory' as const;
  // always present here (no lock to wait for, so no onAvailable)
  declare readonly saveRecipientGroups: NonNullable<CompositeStore['saveRecipientGroups']>;
  /** The data itself (see connection.ts). */
  readonly tables: MemoryTables;

  /** The running queues and caller sessions (ports/queues-runtime.ts), on the same connection. */
  readonly queues: MemoryQueueRuntimeStore;

  constructor(options: MemoryStoreOptions = {}) {
    const db = new MemoryConnection(options.clock ?? createSystemClock());
    super({
      connection: db,
      directory: new MemoryDirectoryStore(db),
      recipients: new MemoryRecipientStore(db),
      sessions: new MemorySessionStore(db),
      audit: new MemoryAuditStore(db),
      cluster: new MemoryClusterStore(db),
      queues: new MemoryQueueStore(db),
    });
    this.queues = new MemoryQueueRuntimeStore(db);
    this.tables = db.tables;
  }
}
