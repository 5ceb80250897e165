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
      shardPrefetch: 200,
      metricsPort: 9100,
      readyGraceMs: 30_000,
      recentCommands: { kept: 16, ttlMs: 3_600_000 },
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
      RECENT_COMMANDS_KEPT: '32',
      RECENT_COMMANDS_TTL_MS: '0',
    });
    assert.equal(c.nodeName, 'w1');
    assert.equal(c.amqpUrl, 'amqp://guest:guest@127.0.0.1:5672');
    assert.equal(c.mongodbUrl, 'mongodb://db:27017/qubicle');
    assert.equal(c.shardCount, 16);
    assert.equal(c.shardQueueType, 'quorum');
    assert.equal(c.leaseTtlMs, 5000);
    assert.equal(c.shardPrefetch, 50);
    assert.equal(c.metricsPort, 0);
    assert.equal(c.logLevel, 'debug');
    assert.deepEqual(c.bootstrap, { accountName: 'acme', adminUsername: 'root', adminPassword: ' with spaces ' });
    assert.deepEqual(c.recentCommands, { kept: 32, ttlMs: 0 });
  });

  const bad: Array<[string, string, RegExp]> = [
    ['SHARD_COUNT', '0', /between 1 and 4096/],
    ['SHARD_COUNT', '4097', /between 1 and 4096/],
    ['SHARD_COUNT', 'sixty', /integer/],
    ['SHARD_COUNT', '1.5', /integer/],
    ['SHARD_QUEUE_TYPE', 'stream', /classic\|quorum/],
    ['LEASE_TTL_MS', '999', /between 1000/],
    ['SHARD_PREFETCH', '0', /between 1/],
    ['METRICS_PORT', '70000', /between 0 and 65535/],
    ['LOG_LEVEL', 'loud', /one of/],
    ['AMQP_URL', 'not a url', /valid URL/],
    ['AMQP_URL', 'http://rabbit', /amqp:\/\//],
    ['MONGODB_URL', 'postgres://x', /mongodb:\/\//],
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
