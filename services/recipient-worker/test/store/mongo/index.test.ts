/**
 * The store contract against MongoDB: at MONGODB_URL when set, else in throw-away testcontainers
 * MongoDBs (a standalone server, and a one-member replica set: the two fencing modes) when a
 * Docker engine answers, else NOT RUN (reported as one pending test whose title says why). The
 * error mapping tests below run everywhere.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { MongoClient, MongoServerError } from 'mongodb';
import { StoreError } from '../../../src/store/port.js';
import { MongoStore, dbNameFromUrl, mongoStoreError } from '../../../src/store/mongo/index.js';
import { newId } from '../fixtures.js';
import { rejectsWith, runStoreContract } from '../store-contract.js';
import { runQueueRuntimeContract } from '../queues-runtime-contract.js';

type Target = { kind: 'url'; url: string } | { kind: 'docker' } | { kind: 'none'; reason: string };

const DOCKER_CHECK_TIMEOUT_MS = 8000;

function dockerSocketHint(): string | null {
  if (process.env.DOCKER_HOST) return `DOCKER_HOST=${process.env.DOCKER_HOST}`;
  if (process.env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE) return 'TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE';
  const candidates = [
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    join(homedir(), '.testcontainers.properties'),
    ...(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

async function resolveTarget(): Promise<Target> {
  const url = process.env.MONGODB_URL?.trim();
  if (url) return { kind: 'url', url };
  const hint = dockerSocketHint();
  if (!hint) {
    return { kind: 'none', reason: 'MONGODB_URL is not set and no Docker engine was found (no DOCKER_HOST, no docker socket)' };
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${DOCKER_CHECK_TIMEOUT_MS} ms`)), DOCKER_CHECK_TIMEOUT_MS);
      }),
    ]);
    return { kind: 'docker' };
  } catch (err) {
    return {
      kind: 'none',
      reason: `MONGODB_URL is not set and the Docker engine (${hint}) did not answer: ${err instanceof Error ? err.message : String(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

const target = await resolveTarget();

describe('MongoStore error mapping (no server needed)', function () {
  it('maps an unreachable server to StoreError(unavailable)', async function () {
    this.timeout(10_000);
    const store = new MongoStore({ url: 'mongodb://127.0.0.1:1/?directConnection=true', timeoutMs: 250 });
    try {
      await rejectsWith('unavailable', store.ping());
      await rejectsWith('unavailable', store.init());
      await rejectsWith('unavailable', store.getAccount(newId()));
      await rejectsWith('unavailable', store.tryAcquireLease(0, 'node-a', 1000, 1000));
    } finally {
      await store.close();
    }
    await rejectsWith('unavailable', store.ping());
  });

  it('names the store and a short reason, never the URL, a host or a password', async function () {
    this.timeout(10_000);
    const store = new MongoStore({ url: 'mongodb://qubicle:s3cr3t-pw@127.0.0.1:1/qb?directConnection=true', timeoutMs: 250 });
    try {
      const err = await store.getAccount(newId()).then(
        () => assert.fail('an unreachable server answered'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof StoreError && err.kind === 'unavailable', String(err));
      assert.equal(err.message, 'mongodb store unavailable: no reachable server within 250 ms');
      assert.doesNotMatch(err.message, /s3cr3t|qubicle:|127\.0\.0\.1/);
    } finally {
      await store.close();
    }
    const notPrimary = new MongoServerError({ message: 'not primary', code: 10107, codeName: 'NotWritablePrimary' });
    assert.equal((mongoStoreError(notPrimary) as StoreError).message, 'mongodb store unavailable: NotWritablePrimary');
    const dup = new MongoServerError({ message: 'E11000 duplicate key', code: 11000 });
    assert.equal(mongoStoreError(dup), dup, 'not an availability problem');
  });

  it('a server that accepts connections and never answers (a partition): unavailable within the timeout, not after the RPC timeout', async function () {
    this.timeout(15_000);
    const sockets = new Set<Socket>();
    let accepted = 0;
    const server: Server = createServer((socket) => {
      accepted++;
      sockets.add(socket); // read nothing, answer nothing
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const store = new MongoStore({ url: `mongodb://127.0.0.1:${port}/qb?directConnection=true`, timeoutMs: 400 });
    try {
      const started = Date.now();
      await rejectsWith('unavailable', store.ping());
      const tookMs = Date.now() - started;
      assert.ok(tookMs < 3000, `failed after ${tookMs} ms (timeout 400 ms)`);
      assert.ok(accepted > 0, 'the driver did connect to the silent server (not a refused connection)');
    } finally {
      await store.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('takes the database name from the URL, else "qubicle"', async function () {
    assert.equal(dbNameFromUrl('mongodb://h1:27017,h2:27017/calls?replicaSet=rs0'), 'calls');
    assert.equal(dbNameFromUrl('mongodb+srv://user:pw@cluster.example.com/qb'), 'qb');
    assert.equal(dbNameFromUrl('mongodb://h1:27017/?replicaSet=rs0'), undefined);
    assert.equal(dbNameFromUrl('mongodb://h1:27017'), undefined);
    const store = new MongoStore({ url: 'mongodb://127.0.0.1:1' });
    assert.equal(store.dbName, 'qubicle');
    await store.close();
  });
});

if (target.kind === 'none') {
  process.stderr.write(`\n  ⚠ MongoDB store contract suite NOT RUN: ${target.reason}\n\n`);
  describe('MongoStore (store contract)', function () {
    it(`NOT RUN: ${target.reason}`, function () {
      this.skip();
    });
  });
} else if (target.kind === 'url') {
  mongoContract('MongoStore (MONGODB_URL)', async () => ({ url: target.url, stop: async () => undefined }));
} else {
  // both server kinds: production runs a replica set (fenced writes in transactions); a standalone
  // server keeps the single-document fencing (src/store/mongo/fencing.ts)
  mongoContract('MongoStore (testcontainers, standalone)', () => startMongo(false));
  mongoContract('MongoStore (testcontainers, one-member replica set)', () => startMongo(true));
}

/** A throw-away MongoDB 7 in Docker; a replica set of one member when `replicaSet` (initiated, and waited for until it is primary). */
async function startMongo(replicaSet: boolean): Promise<{ url: string; stop: () => Promise<unknown> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  let image = new GenericContainer('mongo:7.0').withExposedPorts(27017).withWaitStrategy(Wait.forLogMessage(/Waiting for connections/));
  if (replicaSet) image = image.withCommand(['--replSet', 'rs0', '--bind_ip_all']);
  const container = await image.start();
  const url = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/?directConnection=true`;
  if (replicaSet) {
    const init = await container.exec(['mongosh', '--quiet', '--eval', "rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'localhost:27017' }] })"]);
    assert.equal(init.exitCode, 0, init.output);
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const hello = (await client.db('admin').command({ hello: 1 })) as { isWritablePrimary?: boolean };
        if (hello.isWritablePrimary === true) break;
        if (Date.now() > deadline) throw new Error('the one-member replica set did not elect itself primary within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 200)); // polling the election, bounded by the deadline above
      }
    } finally {
      await client.close();
    }
  }
  return { url, stop: () => container.stop() };
}

/** The store contract, and the fencing mode the adapter picks, against one server. */
function mongoContract(title: string, start: () => Promise<{ url: string; stop: () => Promise<unknown> }>): void {
  describe(title, function () {
    this.timeout(30_000);
    let url = '';
    let admin: MongoClient | undefined;
    let stop: (() => Promise<unknown>) | undefined;

    before(async function () {
      this.timeout(180_000);
      const server = await start();
      url = server.url;
      stop = server.stop;
      admin = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
      await admin.connect();
    });

    after(async function () {
      this.timeout(60_000);
      await admin?.close();
      await stop?.();
    });

    it('says at init which fencing it uses: transactions on a replica set, single-document on a standalone server', async function () {
      const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
      const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, ...(msg === undefined ? {} : { msg }) });
      const dbName = `qubicle_test_${newId().slice(0, 16)}`;
      const store = new MongoStore({ url, dbName, timeoutMs: 10_000, logger: { info: at('info'), warn: at('warn') } });
      try {
        await store.init();
        const hello = (await admin!.db('admin').command({ hello: 1 })) as { setName?: unknown };
        const expected = typeof hello.setName === 'string' ? 'transactions' : 'single-document';
        assert.equal(store.fencing, expected);
        assert.equal(lines.length, 1, JSON.stringify(lines));
        assert.equal(lines[0]!.obj['fencing'], expected);
        assert.equal(lines[0]!.level, expected === 'transactions' ? 'info' : 'warn');
      } finally {
        await store.close();
        await admin?.db(dbName).dropDatabase();
      }
    });

    runStoreContract('store contract', async () => {
      const dbName = `qubicle_test_${newId().slice(0, 16)}`;
      const store = new MongoStore({ url, dbName, timeoutMs: 10_000 });
      return {
        store,
        async cleanup() {
          await store.close();
          await admin?.db(dbName).dropDatabase();
        },
      };
    });

    runQueueRuntimeContract('queues runtime contract', async () => {
      const dbName = `qubicle_test_${newId().slice(0, 16)}`;
      const store = new MongoStore({ url, dbName, timeoutMs: 10_000 });
      return {
        store,
        queues: store.queues,
        async cleanup() {
          await store.close();
          await admin?.db(dbName).dropDatabase();
        },
      };
    });
  });
}
