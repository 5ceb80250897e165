import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { ConfigError, loadWorkerConfig } from '../src/config.js';

describe('config', () => {
  it('defaults', () => {
    assert.deepEqual(loadWorkerConfig({}), {
      nodeName: `recipient-worker@${hostname()}`,
      amqpUrl: undefined,
      mongodbUrl: undefined,
      sqlitePath: './data/qubicle.db',
      shardCount: 64,
      shardQueueType: 'classic',
      leaseTtlMs: 10_000,
      amqpHeartbeatSeconds: 5,
      shardPrefetch: 200,
      metricsPort: 9100,
      readyGraceMs: 30_000,
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
      SHARD_COUNT: '16',
      SHARD_QUEUE_TYPE: 'quorum',
      LEASE_TTL_MS: '5000',
      SHARD_PREFETCH: '50',
      METRICS_PORT: '0',
      LOG_LEVEL: 'debug',
      BOOTSTRAP_ACCOUNT_NAME: 'acme',
      BOOTSTRAP_ADMIN_USERNAME: 'root',
      BOOTSTRAP_ADMIN_PASSWORD: ' with spaces ',
    });
    assert.equal(c.nodeName, 'w1');
    assert.equal(c.amqpUrl, 'amqp://guest:guest@127.0.0.1:5672');
    assert.equal(c.mongodbUrl, 'mongodb://db:27017/qubicle');
    assert.equal(c.shardCount, 16);
    assert.equal(c.shardQueueType, 'quorum');
    assert.equal(c.leaseTtlMs, 5000);
    assert.equal(c.amqpHeartbeatSeconds, 2, 'derived from LEASE_TTL_MS when unset');
    assert.equal(c.shardPrefetch, 50);
    assert.equal(c.metricsPort, 0);
    assert.equal(c.logLevel, 'debug');
    assert.deepEqual(c.bootstrap, { accountName: 'acme', adminUsername: 'root', adminPassword: ' with spaces ' });
  });

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
    ['SHARD_PREFETCH', '0', /between 1/],
    ['AMQP_HEARTBEAT_SECONDS', '0', /between 1 and 600/],
    ['METRICS_PORT', '70000', /between 0 and 65535/],
    ['LOG_LEVEL', 'loud', /one of/],
    ['AMQP_URL', 'not a url', /valid URL/],
    ['AMQP_URL', 'http://rabbit', /amqp:\/\//],
    ['MONGODB_URL', 'postgres://x', /mongodb:\/\//],
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
