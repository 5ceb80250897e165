/**
 * Tokens and passwords against the real system: two gateways (each its own AMQP connection, as two
 * processes), a worker, RabbitMQ (fresh vhost), SQLite.
 * - A token ends on EVERY gateway within moments of its user being deleted, disabled, demoted or
 *   losing the Qubicle permission (directory notice on qubicle.auth), and when it is deleted
 *   (DELETE /v2/token_auth) — also on a gateway started afterwards (it asks the directory).
 * - Failed logins: 429 + Retry-After per account and client address while other users still log
 *   in, and per address (real distinct client addresses: 127.0.0.x loopback sources).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { createAmqpBus, type AmqpBus } from '@qubicle/transport';
import { createGateway, loadGatewayConfig, type Gateway, type ListeningGateway } from '@qubicle/api-gateway';
import { md5, PASSWORD, startSystem, type System } from '../support/system.js';
import { until } from '../support/wait.js';

const SECRET = 'e2e-token-secret-0123456789abcdef0123456789';
/** How long a revocation may take to reach another gateway in these tests ("within seconds"). */
const WITHIN_MS = 5_000;

interface SecondGateway {
  url: string;
  logs: string[];
  gateway: Gateway;
  close(): Promise<void>;
}

async function startSecondGateway(sys: System, name: string, env: Record<string, string> = {}): Promise<SecondGateway> {
  const logs: string[] = [];
  const bus: AmqpBus = createAmqpBus({ url: sys.amqpUrl, name });
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const gateway = createGateway({ bus, config: loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET, RPC_TIMEOUT_MS: '3000', ...env }), logger });
  const server: ListeningGateway = await gateway.listen(0, '127.0.0.1');
  await gateway.ready();
  return {
    url: server.url,
    logs,
    gateway,
    async close() {
      await server.close();
      await gateway.stop();
      await bus.close();
    },
  };
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { 'X-Auth-Token': token } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A PUT from a given local (loopback) source address: a distinct client address for the gateway. */
function putFrom(source: string, base: string, path: string, body: unknown): Promise<{ status: number; retryAfter: string | undefined; body: any }> {
  const url = new URL(base + path);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', localAddress: source, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const h = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(h) ? h[0] : h, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('e2e: tokens end with their user, on every gateway; failed logins are limited', function () {
  this.timeout(90_000);
  let sys: System;
  let b: SecondGateway;

  before(async () => {
    sys = await startSystem();
    b = await startSecondGateway(sys, 'e2e-auth-gateway-b');
  });
  after(async () => {
    await b?.close();
    await sys?.stop();
  });

  const users = () => `/v2/accounts/${sys.accountId}/users`;
  const accountDoc = () => `/v2/accounts/${sys.accountId}`;
  /** Both gateways answer `status` to `token` on the admin-only account document, within WITHIN_MS. */
  async function refusedEverywhere(token: string): Promise<number> {
    const started = Date.now();
    for (const base of [sys.url, b.url]) {
      await until(`401 on ${base === sys.url ? 'gateway A' : 'gateway B'}`, async () => (await call(base, 'GET', accountDoc(), token)).status === 401, WITHIN_MS);
    }
    return Date.now() - started;
  }
  async function admin(): Promise<{ id: string; token: string }> {
    const u = await sys.createUser({ priv_level: 'admin' });
    // both gateways use the token (B has never seen it: it asks the directory once)
    assert.equal((await call(sys.url, 'GET', accountDoc(), u.token)).status, 200);
    assert.equal((await call(b.url, 'GET', accountDoc(), u.token)).status, 200);
    return u;
  }

  it('a deleted admin: the token is refused on both gateways (and can no longer create admins)', async () => {
    const gone = await admin();
    assert.equal((await call(sys.url, 'DELETE', `${users()}/${gone.id}`, sys.adminToken)).status, 200);
    const ms = await refusedEverywhere(gone.token);
    const create = await call(b.url, 'PUT', users(), gone.token, { data: { first_name: 'Evil', last_name: 'Admin', priv_level: 'admin' } });
    assert.equal(create.status, 401);
    assert.ok(ms < WITHIN_MS, `refused everywhere in ${ms} ms`);
  });

  it('a demoted admin, a disabled user, a user whose Qubicle permission is removed: refused on both gateways; a new login works', async () => {
    const demoted = await admin();
    assert.equal((await call(b.url, 'PATCH', `${users()}/${demoted.id}`, sys.adminToken, { data: { priv_level: 'user' } })).status, 200);
    await refusedEverywhere(demoted.token);

    const disabled = await admin();
    assert.equal((await call(sys.url, 'PATCH', `${users()}/${disabled.id}`, sys.adminToken, { data: { enabled: false } })).status, 200);
    await refusedEverywhere(disabled.token);
    // re-enabled: the old token stays ended; a new login is fine
    assert.equal((await call(sys.url, 'PATCH', `${users()}/${disabled.id}`, sys.adminToken, { data: { enabled: true } })).status, 200);
    assert.equal((await call(b.url, 'GET', accountDoc(), disabled.token)).status, 401);

    const agent = await sys.createUser({ qubicle: { enabled: true } });
    const list = `/v2/accounts/${sys.accountId}/qubicle_recipients`;
    assert.equal((await call(b.url, 'GET', list, agent.token)).status, 200);
    assert.equal((await call(sys.url, 'POST', `${list}/${agent.id}/disable`, sys.adminToken)).status, 200);
    for (const base of [sys.url, b.url]) await until('the agent token refused', async () => (await call(base, 'GET', list, agent.token)).status === 401, WITHIN_MS);
    const fresh = await sys.login((await call(sys.url, 'GET', `${users()}/${agent.id}`, sys.adminToken)).body.data.username);
    assert.equal((await call(b.url, 'GET', list, fresh)).status, 200);
    // unrelated tokens were never touched
    assert.equal((await call(b.url, 'GET', accountDoc(), sys.adminToken)).status, 200);
  });

  it('DELETE /v2/token_auth ends the token on every gateway, and on a gateway (re)started afterwards', async () => {
    const u = await admin();
    const other = await sys.login('admin');
    const del = await call(b.url, 'DELETE', '/v2/token_auth', u.token);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.equal(del.body.auth_token, '');
    assert.equal((await call(b.url, 'GET', accountDoc(), u.token)).status, 401, 'at once where it was deleted');
    await refusedEverywhere(u.token);

    // a restarted gateway knows nothing: it asks the directory, which recorded the jti
    await b.close();
    b = await startSecondGateway(sys, 'e2e-auth-gateway-b2');
    assert.equal((await call(b.url, 'GET', accountDoc(), u.token)).status, 401);
    assert.equal((await call(b.url, 'GET', accountDoc(), other)).status, 200, 'other tokens are fine');
    for (const line of b.logs) assert.ok(!line.includes(u.token) && !line.includes(other), 'no token in the log');
  });

  it('a deleted user: refused by a gateway that never saw the token before (first question to the directory)', async () => {
    const u = await sys.createUser({ priv_level: 'admin' });
    assert.equal((await call(sys.url, 'DELETE', `${users()}/${u.id}`, sys.adminToken)).status, 200);
    const late = await startSecondGateway(sys, 'e2e-auth-gateway-late');
    try {
      assert.equal((await call(late.url, 'GET', accountDoc(), u.token)).status, 401);
    } finally {
      await late.close();
    }
  });
});

describe('e2e: failed-login limits (real client addresses)', function () {
  this.timeout(90_000);
  let sys: System;

  before(async () => {
    sys = await startSystem({ env: { AUTH_LIMIT_PER_ACCOUNT_ADDRESS: '5', AUTH_LIMIT_PER_ADDRESS: '8', AUTH_LIMIT_WINDOW_MS: '60000' } });
  });
  after(async () => {
    await sys?.stop();
  });

  const userAuth = (source: string, username: string, password: string, account = 'demo') =>
    putFrom(source, sys.url, '/v2/user_auth', { data: { credentials: md5(`${username}:${password}`), account_name: account } });

  it('N wrong passwords for one user from one address → 429 + Retry-After (even with the right one); another user of the account logs in from elsewhere', async () => {
    const alice = await sys.createUser({ username: 'alice' });
    assert.ok(alice.id);
    await sys.createUser({ username: 'bob' });
    const attempts = await Promise.all(Array.from({ length: 8 }, (_, i) => userAuth('127.0.0.2', 'alice', `guess-${i}`)));
    const statuses = attempts.map((r) => r.status).sort();
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429], 'a parallel burst cannot overtake the count');
    const right = await userAuth('127.0.0.2', 'alice', PASSWORD);
    assert.equal(right.status, 429);
    assert.ok(Number(right.retryAfter) > 0 && Number(right.retryAfter) <= 60, String(right.retryAfter));
    assert.equal(right.body.error, '429');
    assert.equal(right.body.data.retry_after, Number(right.retryAfter));
    assert.equal((await userAuth('127.0.0.3', 'bob', PASSWORD)).status, 201, 'another user, another address');
    assert.equal((await userAuth('127.0.0.3', 'alice', PASSWORD)).status, 201, 'the user herself, from her own desk');
  });

  it('per address: wrong logins to several accounts and api keys from one address add up', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await userAuth('127.0.0.4', 'admin', `nope-${i}`)).status, 401);
    for (let i = 0; i < 4; i++) assert.equal((await putFrom('127.0.0.4', sys.url, '/v2/api_auth', { data: { api_key: `${i}`.repeat(64) } })).status, 401);
    assert.equal((await userAuth('127.0.0.4', 'admin', PASSWORD, 'nosuch')).status, 429);
    assert.equal((await userAuth('127.0.0.5', 'admin', PASSWORD)).status, 201);
  });
});
