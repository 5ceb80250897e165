import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { StoreError } from '../../src/store/port.js';
import { isBusyCode } from '../../src/store/sqlite-lock.js';
import { SqliteStore, sqliteStoreError } from '../../src/store/sqlite-store.js';
import { holdSqliteLock, type HeldLock } from '../support/lock-holder.js';
import { within } from '../support/wait.js';
import { makeAccount, makeState, newId } from './fixtures.js';
import { rejectsWith, runStoreContract } from './store-contract.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'qubicle-store-'));
}

runStoreContract('SqliteStore on a file (store contract)', async () => {
  const dir = await tempDir();
  const store = new SqliteStore({ path: join(dir, 'nested', 'store.sqlite') });
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runStoreContract('SqliteStore in memory (store contract)', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describe('SqliteStore specifics', function () {
  let dir: string;

  beforeEach(async function () {
    dir = await tempDir();
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the parent directory, uses WAL, keeps data across reopen', async function () {
    const file = join(dir, 'a', 'b', 'store.sqlite');
    const first = new SqliteStore({ path: file });
    await first.init();
    const acc = makeAccount();
    await first.createAccount(acc);
    await first.close();
    assert.ok(existsSync(file));

    const raw = new Database(file, { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      raw.close();
    }

    const second = new SqliteStore({ path: file });
    await second.init();
    assert.deepEqual(await second.getAccount(acc.id), acc);
    await second.close();
  });

  it('deleted tokens: expired records are purged by the next revokeToken (the table only holds live tokens)', async function () {
    const file = join(dir, 'tokens.sqlite');
    const store = new SqliteStore({ path: file });
    await store.init();
    await store.revokeToken('old-1', 2_000, 1_000);
    await store.revokeToken('old-2', 3_000, 1_000);
    await store.revokeToken('live', 50_000, 10_000);
    await store.close();
    const raw = new Database(file, { readonly: true });
    try {
      const ids = (raw.prepare('SELECT token_id FROM revoked_tokens ORDER BY token_id').all() as Array<{ token_id: string }>).map((r) => r.token_id);
      assert.deepEqual(ids, ['live']);
    } finally {
      raw.close();
    }
  });

  it('two connections on one file see each other and are fenced against each other', async function () {
    const file = join(dir, 'shared.sqlite');
    const a = new SqliteStore({ path: file });
    const b = new SqliteStore({ path: file });
    await Promise.all([a.init(), b.init()]);
    try {
      const leaseA = await a.tryAcquireLease(0, 'node-a', 1000, 1000);
      assert.ok(leaseA);
      assert.equal(await b.tryAcquireLease(0, 'node-b', 1000, 1500), null);
      const fenceA = { shard: 0, epoch: leaseA.epoch, node: 'node-a' };
      await a.claimShard(0, fenceA);
      const r = newId();
      await a.saveRecipients([{ state: makeState('acc', r), shard: 0 }], fenceA);
      assert.equal((await b.loadRecipient('acc', r))?.epoch, 1);

      const leaseB = await b.tryAcquireLease(0, 'node-b', 1000, 2001);
      assert.equal(leaseB?.epoch, 2);
      await b.claimShard(0, { shard: 0, epoch: 2, node: 'node-b' });
      await rejectsWith('fenced', a.saveRecipients([{ state: makeState('acc', r, { seq: 7 }), shard: 0 }], fenceA));
      assert.equal((await a.loadRecipient('acc', r))?.state.seq, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('two processes racing for all 64 leases on one file: exactly one owner per shard, no SQLITE_BUSY', async function () {
    this.timeout(60_000);
    const file = join(dir, 'race.sqlite');
    const shards = 64;
    const passes = 10;
    const child = resolve(here, 'lease-race-child.ts');
    const nodes = ['race-node-1', 'race-node-2'];

    const procs = nodes.map((node) => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', child, file, node, String(shards), String(passes)], {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      p.stdout.setEncoding('utf8');
      p.stderr.setEncoding('utf8');
      const ready = new Promise<void>((res, rej) => {
        p.stdout.on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('ready\n')) res();
        });
        p.on('exit', (code) => rej(new Error(`${node} exited (${code}) before ready: ${err}`)));
      });
      p.stderr.on('data', (chunk: string) => {
        err += chunk;
      });
      const exited = new Promise<{ code: number | null; out: string; err: string }>((res) =>
        p.on('exit', (code) => res({ code, out, err })),
      );
      return { p, ready, exited };
    });

    try {
      // Both processes opened and initialised the (new) file concurrently; now release them at once.
      await Promise.all(procs.map((x) => x.ready));
      const now = Date.now();
      const startAt = now + 250;
      for (const x of procs) x.p.stdin.end(`go ${now} ${startAt}\n`);
      const results = await Promise.all(procs.map((x) => x.exited));

      const reports = results.map((r, i) => {
        assert.equal(r.code, 0, `${nodes[i]} exited with ${r.code}: ${r.err}`);
        const last = r.out.trim().split('\n').pop() ?? '';
        return JSON.parse(last) as { node: string; acquired: number[]; fencedOk: number; errors: string[] };
      });
      for (const rep of reports) {
        assert.deepEqual(rep.errors, [], `${rep.node} saw errors`);
        assert.equal(rep.fencedOk, passes * (shards - rep.acquired.length), `${rep.node}: every write to a lost shard was fenced`);
      }
      const owners = new Map<number, string>();
      for (const rep of reports) {
        for (const s of rep.acquired) {
          assert.equal(owners.has(s), false, `shard ${s} acquired by two processes`);
          owners.set(s, rep.node);
        }
      }
      assert.equal(owners.size, shards, 'every shard was acquired by someone');

      const store = new SqliteStore({ path: file });
      await store.init();
      try {
        const leases = await store.listLeases();
        assert.equal(leases.length, shards);
        for (const l of leases) {
          assert.equal(l.owner, owners.get(l.shard), `lease ${l.shard} owner`);
          assert.equal(l.epoch, 1, `lease ${l.shard} epoch`);
        }
        const counts = await store.countRecipientsByShard();
        for (let s = 0; s < shards; s++) {
          assert.equal(counts.get(s), 1, `shard ${s} has exactly one recipient`);
          const [only] = await store.listRecipientsByShard(s);
          assert.equal(only?.state.recipient_id, `${owners.get(s)}-${s}`, `shard ${s} was written by its owner`);
        }
      } finally {
        await store.close();
      }
    } finally {
      for (const x of procs) if (x.p.exitCode === null) x.p.kill();
    }
  });
});

describe('SqliteStore: another process holding the database lock', function () {
  this.timeout(30_000);
  let dir: string;
  let store: SqliteStore;
  let lock: HeldLock | undefined;
  const TIMEOUT = 600;

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
    // SQLite's own busy wait is 20 ms; everything longer is asynchronous (the old 5 s busy_timeout stalled it for seconds)
    assert.ok(stallMs < 250, `the event loop stalled for ${stallMs.toFixed(0)} ms`);

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
  const connOf = (s: SqliteStore) => (s as unknown as { conn(): Database.Database }).conn();

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
