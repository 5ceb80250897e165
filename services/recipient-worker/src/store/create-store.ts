import { MongoStore } from './mongo-store.js';
import type { Store } from './port.js';
import { SqliteStore } from './sqlite-store.js';

export interface StoreConfig {
  /** MongoDB connection string; when set (non-empty) the MongoDB adapter is used. */
  mongodbUrl?: string;
  /** SQLite file (or ":memory:") used when no MongoDB URL is given. */
  sqlitePath: string;
  /** STORE_TIMEOUT_MS (default: each adapter's, 2000 ms). */
  timeoutMs?: number;
}

/** MongoDB when a URL is given, else SQLite. The caller still has to `init()` it. */
export function createStore(config: StoreConfig): Store {
  if (config.mongodbUrl !== undefined && config.mongodbUrl.trim() !== '') {
    return new MongoStore({ url: config.mongodbUrl.trim(), ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }) });
  }
  return new SqliteStore({ path: config.sqlitePath, ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }) });
}
