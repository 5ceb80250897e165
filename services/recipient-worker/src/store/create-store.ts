import { createSystemClock, type Clock } from '../clock.js';
import { MemoryStore } from './memory/index.js';
import { MongoStore, type MongoStoreLogger } from './mongo/index.js';
import type { Store } from './port.js';
import { SqliteStore } from './sqlite/index.js';

export interface StoreConfig {
  /** MongoDB connection string; when set (non-empty) the MongoDB adapter is used. */
  mongodbUrl?: string;
  /** SQLite file, ":memory:" (a private SQLite database), or "memory:" (the memory adapter: no SQLite, no persistence), used when no MongoDB URL is given. */
  sqlitePath: string;
  /** STORE_TIMEOUT_MS (default: each adapter's, 2000 ms). */
  timeoutMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Where the MongoDB adapter says which fencing mode it uses (at init). */
  logger?: MongoStoreLogger;
}

/** The memory adapter's path: a one-process embedded run with nothing on disk. */
export const MEMORY_STORE_PATH = 'memory:';

/** MongoDB when a URL is given, else SQLite (or the memory adapter for "memory:"). The caller still has to `init()` it. */
export function createStore(config: StoreConfig): Store {
  const clock = config.clock ?? createSystemClock();
  const timeout = config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs };
  if (config.mongodbUrl !== undefined && config.mongodbUrl.trim() !== '') {
    return new MongoStore({ url: config.mongodbUrl.trim(), clock, ...timeout, ...(config.logger ? { logger: config.logger } : {}) });
  }
  if (config.sqlitePath === MEMORY_STORE_PATH) return new MemoryStore({ clock });
  return new SqliteStore({ path: config.sqlitePath, clock, ...timeout });
}
