import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../../src/store/sqlite/index.js';
import { makeAccount, makeState, newId } from '../fixtures.js';
import { rejectsWith, runStoreContract } from '../store-contract.js';
import { busyState, caller, runQueueRuntimeContract } from '../queues-runtime-contract.js';
import { own } from '../store-contract.js';
import { queueChangesOf } from '../../../src/queue/runtime/state-changes.js';
import { ACCOUNT, QUEUE } from '../../queue/support/queue-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../../..');

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'qubicle-store-'));
}

runQueueRuntimeContract('SqliteStore on a file (queues runtime contract)', async () => {
  const dir = await tempDir();
  const store = new SqliteStore({ path: join(dir, 'queues.db') });
  return {
    store,
    queues: store.queues,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

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

  it('a running queue written whole by schema 3 is read as it is and becomes rows on its next write', async function () {
    const file = join(dir, 'queues.sqlite');
    const store = new SqliteStore({ path: file });
    await store.init();
    try {
      const fence = await own(store, 1, 'node-a', 1_000);
      const s1 = busyState(1, [caller('a', 1), caller('b', 2)]);
      await store.queues.saveQueue({ state: s1, shard: 1, events: [] }, fence);
      const raw = new Database(file);
      const rows = (t: string) => (raw.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
      try {
        assert.deepEqual([rows('queue_runtime_members'), rows('queue_runtime_sessions')], [3, 2], 'one row per member and per caller');
        assert.equal(JSON.parse((raw.prepare('SELECT state FROM queue_runtime').get() as { state: string }).state).sessions, undefined, 'the header holds no caller');
        // as version 3 wrote it: the whole state in the header, no rows
        raw.prepare('UPDATE queue_runtime SET state = ?').run(JSON.stringify(s1));
        raw.exec('DELETE FROM queue_runtime_members; DELETE FROM queue_runtime_sessions;');
        assert.deepEqual((await store.queues.loadQueue(ACCOUNT, QUEUE))?.state, s1);
        // the actor's next write carries changes relative to it: the store has no rows yet, so writes it whole
        const s2 = { ...s1, seq: 2, sessions: [...s1.sessions, caller('c', 3)] };
        await store.queues.saveQueue({ state: s2, shard: 1, events: [], changes: queueChangesOf(s1, s2)! }, fence);
        assert.deepEqual((await store.queues.loadQueue(ACCOUNT, QUEUE))?.state, s2);
        assert.deepEqual([rows('queue_runtime_members'), rows('queue_runtime_sessions')], [3, 3]);
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
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
