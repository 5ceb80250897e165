import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { ConfigError, loadWorkerConfig } from '../src/config.js';

describe('config', () => {
  it('defaults', () => {
    assert.deepEqual(loadWorkerConfig({}), {
      nodeName: `recipient-worker@${hostname()}`,
      amqpUrl: undefined,
      amqpUserId: undefined,
      busSenders: undefined,
      mongodbUrl: undefined,
      sqlitePath: './data/qubicle.db',
      storeTimeoutMs: 2000,
      shardCount: 64,
      shardQueueType: 'classic',
      leaseTtlMs: 10_000,
      amqpHeartbeatSeconds: 5,
      shardPrefetch: 200,
      metricsPort: 9100,
      metricsPortExplicit: false,
      readyGraceMs: 30_000,
      recentCommands: { kept: 16, ttlMs: 3_600_000 },
      auditRetentionDays: 90,
      logLevel: 'info',
      bootstrap: { accountName: 'demo', adminUsername: 'admin', adminPassword: 'qubicle-demo' },
    });
  });

  it('reads every variable', () => {
    const c = loadWorkerConfig({
      NODE_NAME: 'w1',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      MONGODB_URL: 'mongodb://db:27017/qubicle',
      SQLITE_PATH: '/tmp/q.db',
      STORE_TIMEOUT_MS: '1500',
      SHARD_COUNT: '16',
      SHARD_QUEUE_TYPE: 'quorum',
      LEASE_TTL_MS: '5000',
      SHARD_PREFETCH: '50',
      METRICS_PORT: '0',
      LOG_LEVEL: 'debug',
      BOOTSTRAP_ACCOUNT_NAME: 'acme',
      BOOTSTRAP_ADMIN_USERNAME: 'root',
      BOOTSTRAP_ADMIN_PASSWORD: ' with spaces ',
      RECENT_COMMANDS_KEPT: '32',
      RECENT_COMMANDS_TTL_MS: '0',
    });
    assert.equal(c.nodeName, 'w1');
    assert.equal(c.amqpUrl, 'amqp://guest:guest@127.0.0.1:5672');
    assert.equal(c.mongodbUrl, 'mongodb://db:27017/qubicle');
    assert.equal(c.storeTimeoutMs, 1500);
    assert.equal(c.shardCount, 16);
    assert.equal(c.shardQueueType, 'quorum');
    assert.equal(c.leaseTtlMs, 5000);
    assert.equal(c.amqpHeartbeatSeconds, 2, 'derived from LEASE_TTL_MS when unset');
    assert.equal(c.shardPrefetch, 50);
    assert.equal(c.metricsPort, 0);
    assert.equal(c.metricsPortExplicit, true, 'set: a port that cannot be opened stops the worker');
    assert.equal(c.logLevel, 'debug');
    assert.deepEqual(c.bootstrap, { accountName: 'acme', adminUsername: 'root', adminPassword: ' with spaces ' });
    assert.deepEqual(c.recentCommands, { kept: 32, ttlMs: 0 });
  });

  it('AMQP_SET_USER_ID stamps the user of AMQP_URL; BUS_SENDERS maps users to roles', () => {
    const c = loadWorkerConfig({
      AMQP_URL: 'amqp://qubicle-worker:pw@rabbitmq:5672/qubicle',
      AMQP_SET_USER_ID: 'on',
      BUS_SENDERS: ' worker:qubicle-worker, gateway:qubicle-gateway,service:sales-queue,service:media ',
    });
    assert.equal(c.amqpUserId, 'qubicle-worker');
    assert.deepEqual([...(c.busSenders ?? [])], [
      ['qubicle-worker', 'worker'],
      ['qubicle-gateway', 'gateway'],
      ['sales-queue', 'service'],
      ['media', 'service'],
    ]);
    assert.equal(loadWorkerConfig({ AMQP_URL: 'amqp://qubicle-worker:pw@rabbitmq/qubicle', AMQP_SET_USER_ID: 'off' }).amqpUserId, undefined);
  });

  const worker = { AMQP_URL: 'amqp://qubicle-worker:pw@rabbitmq/qubicle', AMQP_SET_USER_ID: 'on' };
  const senders: Array<[Record<string, string>, string, RegExp]> = [
    [{ AMQP_SET_USER_ID: 'on' }, 'AMQP_SET_USER_ID', /needs AMQP_URL/],
    [{ ...worker, BUS_SENDERS: 'worker:qubicle-worker,admin:root' }, 'BUS_SENDERS', /unknown role "admin"/],
    [{ ...worker, BUS_SENDERS: 'worker:qubicle-worker,qubicle-gateway' }, 'BUS_SENDERS', /role:user/],
    [{ ...worker, BUS_SENDERS: 'worker:qubicle-worker,gateway:' }, 'BUS_SENDERS', /role:user/],
    [{ ...worker, BUS_SENDERS: 'worker:qubicle-worker,gateway:x,service:x' }, 'BUS_SENDERS', /two roles/],
    [{ ...worker, BUS_SENDERS: ' , ' }, 'BUS_SENDERS', /lists no user/],
    [{ ...worker, BUS_SENDERS: 'gateway:qubicle-gateway' }, 'BUS_SENDERS', /own broker user as worker:qubicle-worker/],
    [{ ...worker, BUS_SENDERS: 'gateway:qubicle-worker' }, 'BUS_SENDERS', /own broker user as worker:qubicle-worker/],
    [{ AMQP_URL: worker.AMQP_URL, BUS_SENDERS: 'worker:qubicle-worker' }, 'BUS_SENDERS', /needs AMQP_SET_USER_ID=on/],
  ];
  for (const [env, name, why] of senders) {
    it(`${JSON.stringify(env)} fails naming ${name}`, () => {
      assert.throws(
        () => loadWorkerConfig(env),
        (err: unknown) => err instanceof ConfigError && err.variable === name && why.test(err.message),
      );
    });
  }

  it('AMQP_HEARTBEAT_SECONDS: TTL/2 in whole seconds by default (at least 1), or as set', () => {
    assert.equal(loadWorkerConfig({ LEASE_TTL_MS: '1000' }).amqpHeartbeatSeconds, 1);
    assert.equal(loadWorkerConfig({ LEASE_TTL_MS: '3000' }).amqpHeartbeatSeconds, 1);
    assert.equal(loadWorkerConfig({ LEASE_TTL_MS: '30000' }).amqpHeartbeatSeconds, 15);
    assert.equal(loadWorkerConfig({ LEASE_TTL_MS: '3000', AMQP_HEARTBEAT_SECONDS: '20' }).amqpHeartbeatSeconds, 20);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['SHARD_COUNT', '0', /between 1 and 4096/],
    ['SHARD_COUNT', '4097', /between 1 and 4096/],
    ['SHARD_COUNT', 'sixty', /integer/],
    ['SHARD_COUNT', '1.5', /integer/],
    ['SHARD_QUEUE_TYPE', 'stream', /classic\|quorum/],
    ['LEASE_TTL_MS', '999', /between 1000/],
    ['STORE_TIMEOUT_MS', '10', /between 50 and 60000/],
    ['SHARD_PREFETCH', '0', /between 1/],
    ['AMQP_HEARTBEAT_SECONDS', '0', /between 1 and 600/],
    ['METRICS_PORT', '70000', /between 0 and 65535/],
    ['LOG_LEVEL', 'loud', /one of/],
    ['AMQP_URL', 'not a url', /valid URL/],
    ['AMQP_URL', 'http://rabbit', /amqp:\/\//],
    ['MONGODB_URL', 'postgres://x', /mongodb:\/\//],
    ['AMQP_SET_USER_ID', 'maybe', /on or off/],
    ['RECENT_COMMANDS_KEPT', '0', /between 1 and 1000/],
    ['RECENT_COMMANDS_KEPT', '1001', /between 1 and 1000/],
    ['RECENT_COMMANDS_TTL_MS', '-1', /between 0 and 604800000/],
  ];
  for (const [name, value, why] of bad) {
    it(`${name}=${JSON.stringify(value)} fails naming the variable`, () => {
      assert.throws(
        () => loadWorkerConfig({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.variable === name && err.message.startsWith(`${name}: `) && why.test(err.message),
      );
    });
  }
});
