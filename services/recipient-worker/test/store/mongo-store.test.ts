/**
 * The store contract against MongoDB: at MONGODB_URL when set, else in a throw-away
 * testcontainers MongoDB when a Docker engine answers, else NOT RUN (reported as one
 * pending test whose title says why). The error mapping tests below run everywhere.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { MongoStore, dbNameFromUrl } from '../../src/store/mongo-store.js';
import { newId } from './fixtures.js';
import { rejectsWith, runStoreContract } from './store-contract.js';

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
    const store = new MongoStore({ url: 'mongodb://127.0.0.1:1/?directConnection=true', serverSelectionTimeoutMS: 250 });
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
      const store = new MongoStore({ url, dbName, serverSelectionTimeoutMS: 10_000 });
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
