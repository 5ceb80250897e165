import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { ConfigError, loadGatewayConfig, requireAuthTokenSecret } from '../src/config.js';

const SECRET = 'x'.repeat(32);

function configError(env: Record<string, string>): ConfigError {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadGatewayConfig({});
    assert.deepEqual(c, {
      port: 8000,
      host: '0.0.0.0',
      amqpUrl: undefined,
      amqpUserId: undefined,
      authTokenSecret: undefined,
      authTokenTtlSeconds: 3600,
      authTokenRecheckMs: 60000,
      loginLimits: { windowMs: 300000, perAccountAddress: 10, perAddress: 50, perAccount: 300 },
      trustProxy: 0,
      rpcTimeoutMs: 5000,
      maxBodyBytes: 1048576,
      nodeName: `api-gateway@${hostname()}`,
      logLevel: 'info',
      shardCount: undefined,
      live: { maxConnections: 10000, maxSubscriptions: 16, maxMessageBytes: 65536, maxBufferedBytes: 4194304, maxTotalBufferedBytes: 268435456, resumeEventsPerRecipient: 100 },
      readModel: { enabled: true, maxAgeMs: 30000, maxEntries: 200000 },
      eventFeed: true,
    });
  });

  it('reads every variable', () => {
    const c = loadGatewayConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      AUTH_TOKEN_SECRET: SECRET,
      AUTH_TOKEN_TTL_SECONDS: '600',
      AUTH_TOKEN_RECHECK_MS: '0',
      AUTH_LIMIT_WINDOW_MS: '1000',
      AUTH_LIMIT_PER_ACCOUNT_ADDRESS: '1',
      AUTH_LIMIT_PER_ADDRESS: '2',
      AUTH_LIMIT_PER_ACCOUNT: '0',
      TRUST_PROXY: '2',
      RPC_TIMEOUT_MS: '100',
      MAX_BODY_BYTES: '2048',
      NODE_NAME: 'gw-1',
      LOG_LEVEL: 'DEBUG',
      SHARD_COUNT: '16',
      READ_MODEL: 'off',
      READ_MODEL_MAX_AGE_MS: '0',
      READ_MODEL_MAX_ENTRIES: '10',
      EVENT_FEED: 'off',
      AMQP_SET_USER_ID: 'on',
    });
    assert.deepEqual(c, {
      port: 9000,
      host: '127.0.0.1',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      amqpUserId: 'guest',
      authTokenSecret: SECRET,
      authTokenTtlSeconds: 600,
      authTokenRecheckMs: 0,
      loginLimits: { windowMs: 1000, perAccountAddress: 1, perAddress: 2, perAccount: 0 },
      trustProxy: 2,
      rpcTimeoutMs: 100,
      maxBodyBytes: 2048,
      nodeName: 'gw-1',
      logLevel: 'debug',
      shardCount: 16,
      live: { maxConnections: 10000, maxSubscriptions: 16, maxMessageBytes: 65536, maxBufferedBytes: 4194304, maxTotalBufferedBytes: 268435456, resumeEventsPerRecipient: 100 },
      readModel: { enabled: false, maxAgeMs: 0, maxEntries: 10 },
      eventFeed: false,
    });
  });

  it('fails fast naming the variable', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ RPC_TIMEOUT_MS: '99' }, 'RPC_TIMEOUT_MS'],
      [{ EVENT_FEED: 'maybe' }, 'EVENT_FEED'],
      [{ AMQP_SET_USER_ID: 'on' }, 'AMQP_SET_USER_ID'],
      [{ AMQP_SET_USER_ID: 'sometimes', AMQP_URL: 'amqp://gw:pw@rabbit/q', AUTH_TOKEN_SECRET: SECRET }, 'AMQP_SET_USER_ID'],
      [{ RPC_TIMEOUT_MS: '60001' }, 'RPC_TIMEOUT_MS'],
      [{ RPC_TIMEOUT_MS: '1.5' }, 'RPC_TIMEOUT_MS'],
      [{ MAX_BODY_BYTES: '-1' }, 'MAX_BODY_BYTES'],
      [{ AUTH_TOKEN_TTL_SECONDS: '0' }, 'AUTH_TOKEN_TTL_SECONDS'],
      [{ AUTH_TOKEN_RECHECK_MS: '-1' }, 'AUTH_TOKEN_RECHECK_MS'],
      [{ AUTH_LIMIT_WINDOW_MS: '10' }, 'AUTH_LIMIT_WINDOW_MS'],
      [{ AUTH_LIMIT_PER_ACCOUNT_ADDRESS: 'ten' }, 'AUTH_LIMIT_PER_ACCOUNT_ADDRESS'],
      [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY'],
      [{ AUTH_TOKEN_SECRET: 'short' }, 'AUTH_TOKEN_SECRET'],
      [{ AMQP_URL: 'amqp://localhost' }, 'AUTH_TOKEN_SECRET'],
      [{ AMQP_URL: 'http://localhost', AUTH_TOKEN_SECRET: SECRET }, 'AMQP_URL'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ SHARD_COUNT: '0' }, 'SHARD_COUNT'],
      [{ READ_MODEL: 'maybe' }, 'READ_MODEL'],
      [{ READ_MODEL_MAX_ENTRIES: '0' }, 'READ_MODEL_MAX_ENTRIES'],
    ];
    for (const [env, variable] of cases) {
      const err = configError(env);
      assert.equal(err.variable, variable, JSON.stringify(env));
      assert.ok(err.message.startsWith(variable), err.message);
    }
  });

  it('treats empty values as unset', () => {
    assert.equal(loadGatewayConfig({ PORT: '', SHARD_COUNT: ' ' }).port, 8000);
  });

  it('requireAuthTokenSecret refuses a missing secret', () => {
    assert.throws(() => requireAuthTokenSecret(loadGatewayConfig({})), (e: unknown) => e instanceof ConfigError && e.variable === 'AUTH_TOKEN_SECRET');
    assert.equal(requireAuthTokenSecret(loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET })), SECRET);
  });
});
