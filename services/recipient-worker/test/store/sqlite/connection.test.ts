/** The SQLite connection (connection.ts, lock.ts): another process's lock, its release, and transactions left open. */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../../src/store/port.js';
import { SqliteStore } from '../../../src/store/sqlite/index.js';
import { holdSqliteLock, type HeldLock } from '../../support/lock-holder.js';
import { within } from '../../support/wait.js';
import { makeAccount, makeState, newId } from '../fixtures.js';
import { rejectsWith } from '../store-contract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'qubicle-store-'));
}

describe('SqliteStore: another process holding the database lock', function () {
  this.timeout(30_000);
  let dir: string;
  let store: SqliteStore;
  let lock: HeldLock | undefined;
  // long enough that a synchronous wait (one stall of the whole timeout) stands out from a loaded machine's noise
  const TIMEOUT = 1500;

  /** The longest the event loop went without running a 5 ms interval while `fn` ran. */
  async function longestStall<T>(fn: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; stallMs: number }> {
    let last = performance.now();
    let stallMs = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      stallMs = Math.max(stallMs, now - last);
      last = now;
    }, 5);
    try {
      const [result] = await Promise.allSettled([fn()]);
      return { result: result!, stallMs: Math.max(stallMs, performance.now() - last) };
    } finally {
      clearInterval(tick);
    }
  }

  beforeEach(async function () {
    dir = await tempDir();
    store = new SqliteStore({ path: join(dir, 'locked.sqlite'), timeoutMs: TIMEOUT });
    await store.init();
  });

  afterEach(async function () {
    await lock?.release();
    lock = undefined;
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a write waits without blocking the process, then answers unavailable "sqlite store locked"; reads go on; later writes fail at once', async function () {
    const acc = makeAccount();
    await store.createAccount(acc);
    lock = await holdSqliteLock(join(dir, 'locked.sqlite'));

    const started = performance.now();
    const { result, stallMs } = await longestStall(() => store.heartbeatNode('n1', {}, 1));
    const waited = performance.now() - started;
    assert.equal(result.status, 'rejected');
    const err = (result as PromiseRejectedResult).reason as StoreError;
    assert.ok(err instanceof StoreError && err.kind === 'unavailable', String(err));
    assert.match(err.message, /^sqlite store locked: another process has held the database lock for \d+\.\d s/);
    assert.ok(waited >= TIMEOUT - 20 && waited < TIMEOUT + 1000, `gave up after ${waited} ms (timeout ${TIMEOUT})`);
    // SQLite's own busy wait is 20 ms; everything longer is asynchronous (the old 5 s busy_timeout stalled it for
    // the whole wait). A synchronous wait is one stall of ~TIMEOUT; half of it is far above a busy CI's hiccups.
    assert.ok(stallMs < TIMEOUT / 2, `the event loop stalled for ${stallMs.toFixed(0)} ms of a ${TIMEOUT} ms wait`);

    // WAL: a writer's lock does not stop readers
    assert.deepEqual(await store.getAccount(acc.id), acc);
    // the lock has outlasted the timeout: the next writes fail at once instead of waiting again
    const t1 = performance.now();
    await rejectsWith('unavailable', store.renewLease(0, 'n1', 1, 1000, 1));
    await rejectsWith('unavailable', store.saveRecipients([{ state: makeState(acc.id, newId()), shard: 0 }], { shard: 0, epoch: 1, node: 'n1' }));
    assert.ok(performance.now() - t1 < TIMEOUT / 2, `later writes took ${(performance.now() - t1).toFixed(0)} ms`);
  });

  it('a write waiting for the lock goes through once it is released, written once', async function () {
    const leaseFile = join(dir, 'locked.sqlite');
    const slow = new SqliteStore({ path: leaseFile, timeoutMs: 10_000 });
    await slow.init();
    try {
      lock = await holdSqliteLock(leaseFile);
      const acquiring = slow.tryAcquireLease(3, 'n1', 1000, 5);
      let settled = false;
      void acquiring.finally(() => (settled = true));
      // still waiting well after SQLite's own busy timeout: the wait is ours
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(settled, false, 'the write waits for the lock');
      await lock.release();
      lock = undefined;
      const lease = await within(acquiring, 2000, 'the write after the lock was released');
      assert.deepEqual(lease, { shard: 3, owner: 'n1', epoch: 1, expires_at: 1005 });
      assert.deepEqual(await slow.listLeases(), [{ shard: 3, owner: 'n1', epoch: 1, expires_at: 1005 }]);
      // and the store is back to normal at once
      assert.equal(await slow.renewLease(3, 'n1', 1, 1000, 10), true);
    } finally {
      await slow.close();
    }
  });
});

describe('SqliteStore: the lock released, and a transaction left open', function () {
  this.timeout(30_000);
  let dir: string;
  let file: string;
  let store: SqliteStore;
  let other: SqliteStore;
  let lock: HeldLock | undefined;
  const TIMEOUT = 300;
  /** The adapter's connection (private): to put it in the state a failed ROLLBACK would leave. */
  const connOf = (s: SqliteStore) => (s as unknown as { parts: { connection: { conn(): Database.Database } } }).parts.connection.conn();

  beforeEach(async function () {
    dir = await tempDir();
    file = join(dir, 'store.sqlite');
    store = new SqliteStore({ path: file, timeoutMs: TIMEOUT });
    await store.init();
    other = new SqliteStore({ path: file, timeoutMs: TIMEOUT });
    await other.init();
  });

  afterEach(async function () {
    await lock?.release();
    lock = undefined;
    await store.close();
    await other.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says when a lock another process held is released (onAvailable), and writes go through again at once', async function () {
    lock = await holdSqliteLock(file);
    await rejectsWith('unavailable', store.heartbeatNode('n1', {}, 1));
    await rejectsWith('unavailable', store.renewLease(0, 'n1', 1, 1000, 1)); // known held: turned back at once
    let signals = 0;
    const available = new Promise<void>((res) => {
      const off = store.onAvailable(() => {
        signals++;
        off();
        res();
      });
    });
    await lock.release();
    lock = undefined;
    await within(available, 2000, 'the signal that the lock was released');
    assert.equal(signals, 1);
    await store.heartbeatNode('n1', {}, 2);
    assert.equal((await store.listNodes())[0]?.heartbeat_at, 2);
  });

  it('an operation never runs inside a transaction left open on the connection: rolled back first, the write committed, the lock not kept', async function () {
    const raw = connOf(store);
    // what a failed operation whose ROLLBACK failed too would leave: an open write transaction
    raw.exec('BEGIN IMMEDIATE');
    raw.prepare("INSERT INTO meta (key, value) VALUES ('stray', '1')").run();
    // the next operation's write is committed (not nested in the stray transaction as a SAVEPOINT)
    const lease = await store.tryAcquireLease(1, 'n1', 1000, 5);
    assert.equal(raw.inTransaction, false);
    assert.deepEqual(await other.listLeases(), [lease], 'committed: another connection reads it');
    assert.equal(await other.getMeta('stray'), undefined, 'the stray write was rolled back');
    // and the write lock is not kept from the others (they would take it for another process's lock)
    await other.heartbeatNode('n2', {}, 1);
  });

  it('a transaction whose ROLLBACK fails: the connection is closed (SQLite rolls back on close) and the next operation opens a new one', async function () {
    const raw = connOf(store);
    raw.exec('BEGIN IMMEDIATE');
    raw.prepare("INSERT INTO meta (key, value) VALUES ('stray', '1')").run();
    const exec = raw.exec.bind(raw);
    raw.exec = (sql: string) => {
      if (/^\s*ROLLBACK/i.test(sql)) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
      return exec(sql);
    };
    assert.equal(await store.renewLease(1, 'n1', 1, 1000, 5), false, 'no such lease: an answer, not an error');
    assert.equal(raw.open, false, 'the stuck connection was closed');
    assert.notEqual(connOf(store), raw, 'a new one is used');
    await other.heartbeatNode('n2', {}, 1); // the lock went with the old connection
    assert.equal(await other.getMeta('stray'), undefined);
    await store.heartbeatNode('n1', {}, 1);
    assert.deepEqual((await other.listNodes()).map((n) => n.name), ['n1', 'n2']);
  });
});

describe('SqliteStore: a file written by an earlier version', function () {
  it('gets the sessions.times column on init (version 4); its old sessions read back without times, new ones with', async function () {
    const dir = await tempDir();
    const file = join(dir, 'old.sqlite');
    // the sessions table as version 3 created it
    const old = new Database(file);
    old.exec(`CREATE TABLE sessions (account_id TEXT NOT NULL, recipient_id TEXT NOT NULL, login_session_id TEXT NOT NULL,
      login_time INTEGER NOT NULL, logout_time INTEGER NOT NULL, node TEXT NOT NULL, reason TEXT, stats TEXT NOT NULL,
      PRIMARY KEY (account_id, recipient_id, login_session_id))`);
    const stats = { total_calls: 0, missed_calls: 0, avg_call_time: 0, login_time: 100, last_action_time: 150, last_handled_time: 0 };
    old.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('a', 'r', 's-old', 100, 150, 'n', null, JSON.stringify(stats));
    old.pragma('user_version = 3');
    old.close();
    const store = new SqliteStore({ path: file });
    try {
      await store.init();
      await store.init(); // idempotent: the column is not added twice
      const time_in_state = { ready: 10, away: 40, call_offer: 0, on_a_call: 0, wrapup_time: 0 };
      await store.appendSession({ account_id: 'a', recipient_id: 'r', login_session_id: 's-new', login_time: 200, logout_time: 250, node: 'n', stats, time_in_state, time_in_reason: { lunch: 40 } });
      const [fresh, earlier] = await store.listSessions('a', 'r', { limit: 10 });
      assert.deepEqual(fresh!.time_in_state, time_in_state);
      assert.deepEqual(fresh!.time_in_reason, { lunch: 40 });
      assert.equal(earlier!.login_session_id, 's-old');
      assert.equal('time_in_state' in earlier!, false);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
