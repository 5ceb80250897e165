export * from './port.js';
export { createStore, type StoreConfig } from './create-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { MongoStore, dbNameFromUrl, type MongoStoreOptions } from './mongo-store.js';
export { instrumentStore, STORE_WRITE_OPERATIONS } from './instrumented-store.js';
