import { strict as assert } from 'node:assert';
import { MEMORY_STORE_PATH, createStore } from '../../src/store/create-store.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import { MongoStore } from '../../src/store/mongo/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';

describe('createStore', function () {
  it('uses SQLite when no MongoDB URL is given', async function () {
    for (const mongodbUrl of [undefined, '', '  ']) {
      const store = createStore({ sqlitePath: ':memory:', ...(mongodbUrl === undefined ? {} : { mongodbUrl }) });
      try {
        assert.ok(store instanceof SqliteStore);
        assert.equal(store.kind, 'sqlite');
      } finally {
        await store.close();
      }
    }
  });

  it('uses MongoDB when a URL is given (without connecting)', async function () {
    const store = createStore({ sqlitePath: ':memory:', mongodbUrl: 'mongodb://127.0.0.1:27017/qubicle_x' });
    try {
      assert.ok(store instanceof MongoStore);
      assert.equal(store.kind, 'mongodb');
      assert.equal(store.dbName, 'qubicle_x');
    } finally {
      await store.close();
    }
  });

  it('uses the memory adapter for the path "memory:" (no SQLite, nothing on disk)', async function () {
    const store = createStore({ sqlitePath: MEMORY_STORE_PATH });
    try {
      assert.ok(store instanceof MemoryStore);
      assert.equal(store.kind, 'memory');
    } finally {
      await store.close();
    }
  });
});
