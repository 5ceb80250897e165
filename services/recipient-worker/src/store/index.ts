export * from './port.js';
export { createStore, MEMORY_STORE_PATH, type StoreConfig } from './create-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/index.js';
export { MongoStore, dbNameFromUrl, type MongoFencing, type MongoStoreOptions } from './mongo/index.js';
export { MemoryStore, type MemoryStoreOptions, type MemoryTables } from './memory/index.js';
export { instrumentStore, STORE_WRITE_OPERATIONS } from './instrumented-store.js';
