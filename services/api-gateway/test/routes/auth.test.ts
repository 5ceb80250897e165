import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { md5 } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

describe('routes/auth', () => {
  let h: Harness;
  harnessEachTest((started) => (h = started));

  const credentials = (user: string, password: string) => md5(`${user}:${password}`);

  describe('PUT /v2/user_auth', () => {
    it("201 with KAZOO's shape and a token that opens the account", async () => {
      const creds = credentials('agent', h.fixture.passwords['agent']!);
      const res = await h.request('PUT', '/v2/user_auth', {
        body: { data: { credentials: creds, account_name: 'acme', ui_metadata: { ui: 'monster-ui' } }, accept_charges: true },
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'request_id', 'status']);
      assert.equal(res.body.status, 'success');
      assert.deepEqual(res.body.data, {
        account_id: h.fixture.account.id,
        account_name: 'acme',
        owner_id: h.fixture.agent.id,
        priv_level: 'user',
        is_reseller: false,
        language: 'en-us',
        apps: [],
      });
      const token: string = res.body.auth_token;
      const claims = decodeJwt(token);
      assert.equal(claims['account_id'], h.fixture.account.id);
      assert.equal(claims['owner_id'], h.fixture.agent.id);
      assert.equal(claims['priv_level'], 'user');
      assert.equal(claims['account_name'], 'acme');
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 3600);
      assert.equal(typeof claims.jti, 'string');

      const list = await h.request('GET', `${h.base}/qubicle_recipients`, { token });
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.auth_token, token);

      // the directory got exactly the credentials and account name
      const [req] = h.worker.directoryRequests('auth_user');
      assert.deepEqual(req?.body, { type: 'auth_user', credentials: creds, account_name: 'acme' });
    });

    it('401 invalid credentials for a wrong password', async () => {
      const res = await h.request('PUT', '/v2/user_auth', { body: { data: { credentials: credentials('agent', 'wrong'), account_name: 'acme' } } });
      assert.equal(res.status, 401, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(res.body.message, 'invalid credentials');
      assert.equal(res.body.auth_token, '');
    });

    it('400 invalid data naming field and rule', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ data: { credentials: 'not-md5', account_name: 'acme' } }, 'credentials', 'pattern'],
        [{ data: { credentials: credentials('a', 'b') } }, 'account_name', 'required'],
        [{ data: { credentials: credentials('a', 'b'), account_name: '' } }, 'account_name', 'minLength'],
      ];
      for (const [body, field, rule] of cases) {
        const res = await h.request('PUT', '/v2/user_auth', { body });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.message, 'invalid data');
        assert.ok(res.body.data[field]?.[rule], res.text);
      }
      assert.deepEqual(h.worker.traffic, []);
    });

    it('405 for other methods (no token needed to learn that)', async () => {
      const res = await h.request('GET', '/v2/user_auth');
      assert.equal(res.status, 405, res.text);
    });
  });

  describe('PUT /v2/api_auth', () => {
    it('201 with an admin token without owner_id', async () => {
      const res = await h.request('PUT', '/v2/api_auth', { body: { data: { api_key: h.fixture.account.api_key } } });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(res.body.data, {
        account_id: h.fixture.account.id,
        account_name: 'acme',
        priv_level: 'admin',
        is_reseller: false,
        language: 'en-us',
        apps: [],
      });
      const claims = decodeJwt(res.body.auth_token);
      assert.ok(!('owner_id' in claims));
      const enable = await h.request('POST', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/disable`, { token: res.body.auth_token });
      assert.equal(enable.status, 200, 'an api token acts as admin');
    });

    it('401 for a wrong key, 400 for a malformed one', async () => {
      const wrong = await h.request('PUT', '/v2/api_auth', { body: { data: { api_key: 'a'.repeat(64) } } });
      assert.equal(wrong.status, 401, wrong.text);
      const bad = await h.request('PUT', '/v2/api_auth', { body: { data: { api_key: 'short' } } });
      assert.equal(bad.status, 400, bad.text);
      assert.ok(bad.body.data.api_key.pattern);
    });
  });

  describe('DELETE /v2/token_auth (log out)', () => {
    it("200 as KAZOO answers it (no data, no auth_token); the token is refused from then on, others are not", async () => {
      const token = h.token.agent;
      const jti = decodeJwt(token).jti;
      const res = await h.request('DELETE', '/v2/token_auth', { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual({ ...res.body, request_id: 'x' }, { data: {}, status: 'success', request_id: 'x', auth_token: '' });
      const [req] = h.worker.directoryRequests('token_revoke');
      assert.deepEqual(req?.body, {
        type: 'token_revoke',
        account_id: h.fixture.account.id,
        user_id: h.fixture.agent.id,
        token_id: jti,
        expires_at: (decodeJwt(token).exp ?? 0) * 1000,
      });
      assert.equal((await h.request('GET', `${h.base}/qubicle_recipients`, { token })).status, 401);
      assert.equal((await h.request('DELETE', '/v2/token_auth', { token })).status, 401, 'already ended');
      assert.equal((await h.request('GET', `${h.base}/qubicle_recipients`, { token: h.token.agent2 })).status, 200);
      assert.ok(!h.logger.text().includes(token), 'the token is not logged');
    });

    it('an api_auth token can end itself too; without a token → 401, nothing revoked', async () => {
      assert.equal((await h.request('DELETE', '/v2/token_auth')).status, 401);
      assert.equal(h.worker.directoryRequests('token_revoke').length, 0);
      const res = await h.request('DELETE', '/v2/token_auth', { token: h.token.api });
      assert.equal(res.status, 200, res.text);
      assert.equal(h.worker.directoryRequests('token_revoke')[0]?.body['user_id'], undefined);
      assert.equal((await h.request('GET', `${h.base}/qubicle_recipients`, { token: h.token.api })).status, 401);
    });

    it('the directory unreachable: 503 and the token still works (nothing was recorded)', async () => {
      assert.equal((await h.request('GET', `${h.base}/qubicle_recipients`, { token: h.token.admin })).status, 200);
      h.worker.overrides.set('token_revoke', () => ({ ok: false, error: { code: 'unavailable', message: 'store down' } }));
      const res = await h.request('DELETE', '/v2/token_auth', { token: h.token.admin });
      assert.equal(res.status, 503, res.text);
      assert.equal((await h.request('GET', `${h.base}/qubicle_recipients`, { token: h.token.admin })).status, 200);
    });
  });

  describe('failed-login limits', () => {
    const userAuth = (user: string, password: string, headers: Record<string, string> = {}, account = 'acme') =>
      h.request('PUT', '/v2/user_auth', { body: { data: { credentials: credentials(user, password), account_name: account } }, headers });
    const limited = async (env: Record<string, string>) => {
      await h.close();
      h = await startHarness({ env: { AUTH_LIMIT_WINDOW_MS: '60000', ...env } });
    };

    it('429 with Retry-After (a Crossbar envelope) after N wrong passwords; then even the right one waits; the directory is not asked', async () => {
      await limited({ AUTH_LIMIT_PER_ACCOUNT_ADDRESS: '3' });
      for (let i = 0; i < 3; i++) assert.equal((await userAuth('agent', `wrong-${i}`)).status, 401);
      const res = await userAuth('agent', h.fixture.passwords['agent']!);
      assert.equal(res.status, 429, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 60, String(retryAfter));
      assert.deepEqual(
        { ...res.body, request_id: 'x' },
        {
          data: { message: `too many failed logins; retry in ${retryAfter} s`, code: 'too_many_requests', retry_after: retryAfter },
          error: '429',
          message: 'too many requests',
          status: 'error',
          request_id: 'x',
          auth_token: '',
        },
      );
      assert.equal(h.worker.directoryRequests('auth_user').length, 3);
      assert.match((await h.request('GET', '/metrics')).text, /qubicle_gateway_auth_rate_limited_total\{limit="account_address"\} 1/);
      assert.equal(res.headers.get('access-control-expose-headers')?.includes('Retry-After'), true);
    });

    it('successful logins and failures of the bus do not count', async () => {
      await limited({ AUTH_LIMIT_PER_ACCOUNT_ADDRESS: '2' });
      for (let i = 0; i < 5; i++) assert.equal((await userAuth('agent', h.fixture.passwords['agent']!)).status, 201);
      h.worker.overrides.set('auth_user', () => ({ ok: false, error: { code: 'unavailable', message: 'store down' } }));
      for (let i = 0; i < 5; i++) assert.equal((await userAuth('agent', 'whatever')).status, 503);
      h.worker.overrides.delete('auth_user');
      assert.equal((await userAuth('agent', 'wrong')).status, 401);
      assert.equal((await userAuth('agent', h.fixture.passwords['agent']!)).status, 201);
    });

    it('X-Forwarded-For is ignored unless TRUST_PROXY: a client cannot dodge the limit by writing it', async () => {
      await limited({ AUTH_LIMIT_PER_ACCOUNT_ADDRESS: '2' });
      for (let i = 0; i < 2; i++) await userAuth('agent', 'wrong', { 'X-Forwarded-For': `203.0.113.${i}` });
      assert.equal((await userAuth('agent', 'wrong', { 'X-Forwarded-For': '203.0.113.99' })).status, 429);
    });

    it('TRUST_PROXY=1: the address the proxy saw (last entry) counts; other clients of the account still log in', async () => {
      await limited({ TRUST_PROXY: '1', AUTH_LIMIT_PER_ACCOUNT_ADDRESS: '2' });
      const attacker = { 'X-Forwarded-For': '198.51.100.7' };
      for (let i = 0; i < 2; i++) assert.equal((await userAuth('agent', `wrong-${i}`, attacker)).status, 401);
      assert.equal((await userAuth('agent', 'wrong', attacker)).status, 429);
      // a forged first entry does not help: the proxy appends the real peer last
      assert.equal((await userAuth('agent', 'wrong', { 'X-Forwarded-For': '192.0.2.1, 198.51.100.7' })).status, 429);
      assert.equal((await userAuth('agent2', h.fixture.passwords['agent2']!, { 'X-Forwarded-For': '198.51.100.8' })).status, 201);
      assert.equal((await userAuth('agent', h.fixture.passwords['agent']!, { 'X-Forwarded-For': '198.51.100.9' })).status, 201);
    });

    it('per address: api_auth and user_auth of any account share it', async () => {
      await limited({ TRUST_PROXY: '1', AUTH_LIMIT_PER_ADDRESS: '3' });
      const from = { 'X-Forwarded-For': '198.51.100.20' };
      assert.equal((await h.request('PUT', '/v2/api_auth', { body: { data: { api_key: 'a'.repeat(64) } }, headers: from })).status, 401);
      assert.equal((await userAuth('agent', 'wrong', from)).status, 401);
      assert.equal((await userAuth('admin', 'wrong', from, 'other')).status, 401);
      const res = await h.request('PUT', '/v2/api_auth', { body: { data: { api_key: h.fixture.account.api_key } }, headers: from });
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      assert.equal((await h.request('PUT', '/v2/api_auth', { body: { data: { api_key: h.fixture.account.api_key } }, headers: { 'X-Forwarded-For': '198.51.100.21' } })).status, 201);
    });
  });

  it('never logs tokens, credentials or api keys', async () => {
    const creds = credentials('admin', h.fixture.passwords['admin']!);
    const user = await h.request('PUT', '/v2/user_auth', { body: { data: { credentials: creds, account_name: 'acme' } } });
    const api = await h.request('PUT', '/v2/api_auth', { body: { data: { api_key: h.fixture.account.api_key } } });
    await h.request('GET', `${h.base}/qubicle_recipients`, { token: user.body.auth_token });
    await h.request('GET', `${h.base}/qubicle_recipients`, { token: 'garbage.token.here' });
    await h.request('PUT', '/v2/user_auth', { body: { data: { credentials: credentials('x', 'y'), account_name: 'acme' } } });
    const logs = h.logger.text();
    assert.ok(h.logger.lines.length > 0);
    for (const secret of [creds, h.fixture.account.api_key, user.body.auth_token, api.body.auth_token, h.token.admin, 'garbage.token.here']) {
      assert.ok(!logs.includes(secret), 'a secret reached the log');
    }
  });
});
