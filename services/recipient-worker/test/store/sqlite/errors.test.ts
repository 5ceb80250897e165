/** The SQLite error mapping (errors.ts) and which codes are another process's lock (lock.ts). */
import { strict as assert } from 'node:assert';
import { StoreError } from '../../../src/store/port.js';
import { sqliteStoreError } from '../../../src/store/sqlite/errors.js';
import { isBusyCode } from '../../../src/store/sqlite/lock.js';

describe('SqliteStore: failures of the database name the store and the reason', function () {
  it('maps SQLite result codes to StoreError unavailable with a short reason (no path, no message text)', function () {
    const cases: Array<[string, string]> = [
      ['SQLITE_FULL', 'sqlite store unavailable: disk full (SQLITE_FULL)'],
      ['SQLITE_READONLY', 'sqlite store unavailable: read-only (SQLITE_READONLY)'],
      ['SQLITE_READONLY_DBMOVED', 'sqlite store unavailable: read-only (SQLITE_READONLY_DBMOVED)'],
      ['SQLITE_IOERR_WRITE', 'sqlite store unavailable: I/O error (SQLITE_IOERR_WRITE)'],
      ['SQLITE_CANTOPEN', 'sqlite store unavailable: cannot open the database file (SQLITE_CANTOPEN)'],
      ['SQLITE_CORRUPT', 'sqlite store unavailable: database file corrupt (SQLITE_CORRUPT)'],
    ];
    for (const [code, message] of cases) {
      const raw = Object.assign(new Error('unable to open /secret/path/db'), { code });
      const mapped = sqliteStoreError(raw) as StoreError;
      assert.ok(mapped instanceof StoreError && mapped.kind === 'unavailable', code);
      assert.equal(mapped.message, message);
      assert.equal(mapped.cause, raw, 'the original error stays as the cause (logs)');
    }
    // SQLITE_LOCKED is a conflict inside this connection: named, but not "another process has held the database lock"
    const locked = sqliteStoreError(Object.assign(new Error('database table is locked'), { code: 'SQLITE_LOCKED' })) as StoreError;
    assert.equal(locked.message, 'sqlite store unavailable: locked (SQLITE_LOCKED)');
    assert.equal(isBusyCode('SQLITE_LOCKED'), false, 'not waited for as another process\'s lock');
    assert.equal(isBusyCode('SQLITE_BUSY'), true);
    assert.equal(isBusyCode('SQLITE_BUSY_SNAPSHOT'), true);
    const constraint = Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    assert.equal(sqliteStoreError(constraint), constraint, 'not an availability problem');
  });
});
