/**
 * MongoDB adapter of the store port (the production cluster): one connection (connection.ts:
 * client, collections, transactions) shared by the aggregates (directory.ts, recipients.ts,
 * sessions.ts, cluster.ts); fencing, with transactions on a replica set and without on a
 * standalone server, in fencing.ts.
 *
 * Every read-modify-write outside the fenced writes is a single-document atomic operation or a
 * compare-and-swap retried on a lost race (updateUser: replaceOne filtered on the rev read; leases:
 * findOneAndUpdate with the ownership condition in the filter; meta: $setOnInsert upsert).
 */
import type { MongoClientOptions } from 'mongodb';
import { createSystemClock, type Clock } from '../../clock.js';
import { CompositeStore } from '../composite-store.js';
import { MongoClusterStore } from './cluster.js';
import { MongoConnection, type MongoFencing, type MongoStoreLogger } from './connection.js';
import { MongoDirectoryStore } from './directory.js';
import { MongoQueueStore } from './queues.js';
import { MongoRecipientStore } from './recipients.js';
import { MongoSessionStore } from './sessions.js';
import { MongoAuditStore } from './audit.js';
import { MongoQueueRuntimeStore } from './queues-runtime.js';

export { dbNameFromUrl, type MongoFencing, type MongoStoreLogger } from './connection.js';
export { MONGO_DEFAULT_TIMEOUT_MS, mongoStoreError } from './errors.js';

export interface MongoStoreOptions {
  url: string;
  /** Database name; default: the one in the URL's path, else "qubicle". */
  dbName?: string;
  /** How long an operation waits for a usable server (selection, connect, pool) before failing as unavailable (ms). Default 2000. */
  timeoutMs?: number;
  /** Extra driver options. */
  clientOptions?: MongoClientOptions;
  /** The time (documents' `updated`, users' `created`/`modified`). Default: the system clock. */
  clock?: Clock;
  /** Told at init which fencing mode the server allows (connection.ts). */
  logger?: MongoStoreLogger;
}

export class MongoStore extends CompositeStore {
  readonly kind = 'mongodb' as const;
  readonly dbName: string;
  private readonly connection: MongoConnection;
  /** The running queues and caller sessions (ports/queues-runtime.ts), on the same connection. */
  readonly queues: MongoQueueRuntimeStore;

  constructor(options: MongoStoreOptions) {
    const db = new MongoConnection({ ...options, clock: options.clock ?? createSystemClock() });
    super({
      connection: db,
      directory: new MongoDirectoryStore(db),
      recipients: new MongoRecipientStore(db),
      sessions: new MongoSessionStore(db),
      audit: new MongoAuditStore(db),
      cluster: new MongoClusterStore(db),
      queues: new MongoQueueStore(db),
    });
    this.connection = db;
    this.queues = new MongoQueueRuntimeStore(db);
    this.dbName = db.dbName;
  }

  /** How fenced writes are made atomic: known after init (a replica set: 'transactions'). */
  get fencing(): MongoFencing {
    return this.connection.fencing;
  }

  /** Drops this store's database (tests). */
  dropDatabase(): Promise<void> {
    return this.connection.dropDatabase();
  }
}
