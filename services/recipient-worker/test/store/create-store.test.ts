import { strict as assert } from 'node:assert';
import { createStore } from '../../src/store/create-store.js';
import { MongoStore } from '../../src/store/mongo-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';

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
});
