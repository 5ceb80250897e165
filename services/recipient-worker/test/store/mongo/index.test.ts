/**
 * The store contract against MongoDB: at MONGODB_URL when set, else in a throw-away
 * testcontainers MongoDB when a Docker engine answers, else NOT RUN (reported as one
 * pending test whose title says why). The error mapping tests below run everywhere.
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
} else {
  describe(`MongoStore (${target.kind === 'url' ? 'MONGODB_URL' : 'testcontainers'})`, function () {
    this.timeout(30_000);
    let url = target.kind === 'url' ? target.url : '';
    let admin: MongoClient | undefined;
    let stopContainer: (() => Promise<unknown>) | undefined;

    before(async function () {
      this.timeout(180_000);
      if (target.kind === 'docker') {
        const { GenericContainer, Wait } = await import('testcontainers');
        const container = await new GenericContainer('mongo:7.0')
          .withExposedPorts(27017)
          .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
          .start();
        stopContainer = () => container.stop();
        url = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/?directConnection=true`;
      }
      admin = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
      await admin.connect();
    });

    after(async function () {
      this.timeout(60_000);
      await admin?.close();
      await stopContainer?.();
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
  });
}
