import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { expiredToken, type Harness, type Response } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

function unauthorized(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.body.error, '401');
  assert.equal(res.body.message, 'invalid credentials');
  assert.equal(res.body.status, 'error');
}

describe('middleware/authenticate', () => {
  let h: Harness;
  let R: string;
  harnessEachTest((started) => {
    h = started;
    R = `${h.base}/qubicle_recipients`;
  });

  it('401 without a token, on every /v2 route (known or not); nothing sent', async () => {
    unauthorized(await h.request('GET', R));
    unauthorized(await h.request('GET', `${R}/${h.fixture.agent.id}/status`));
    unauthorized(await h.request('POST', `${R}/${h.fixture.agent.id}`, { body: { data: { action: 'login' } } }));
    unauthorized(await h.request('GET', '/v2/whatever'));
    assert.deepEqual(h.worker.traffic, []);
  });

  it('401 for a malformed, tampered, wrongly signed or expired token; nothing sent', async () => {
    const [header, payload, signature] = h.token.agent.split('.');
    const escalated = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), priv_level: 'admin' })).toString('base64url');
    const wrongKey = await new SignJWT({ account_id: h.fixture.account.id, account_name: 'acme', priv_level: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .setJti('x')
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    for (const token of ['garbage', `${header}.${escalated}.${signature}`, wrongKey, none, await expiredToken(h.fixture)]) {
      const res = await h.request('GET', R, { token });
      unauthorized(res);
      assert.equal(res.body.auth_token, token, 'the request token is echoed');
    }
    assert.deepEqual(h.worker.traffic, []);
  });

  it('accepts Authorization: Bearer <token>', async () => {
    const res = await h.request('GET', R, { headers: { Authorization: `Bearer ${h.token.agent}` } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.auth_token, h.token.agent);
  });

  it('403 for a token of another account; nothing sent', async () => {
    for (const [method, path] of [
      ['GET', R],
      ['GET', `${R}/${h.fixture.agent.id}/status`],
      ['POST', `${R}/${h.fixture.agent.id}`],
      ['GET', `${h.base}/users`],
    ] as const) {
      const res = await h.request(method, path, { token: h.token.otherAccount, body: method === 'POST' ? { data: { action: 'login' } } : undefined });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.message, 'forbidden');
      assert.equal(res.headers.get('content-type'), 'application/json');
    }
    assert.deepEqual(h.worker.traffic, []);
  });

  it('404 bad identifier for a non-hex account id', async () => {
    const res = await h.request('GET', '/v2/accounts/acme/qubicle_recipients', { token: h.token.admin });
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body.message, 'bad identifier');
  });

  it('health endpoints and the auth endpoints need no token', async () => {
    assert.equal((await h.request('GET', '/healthz')).status, 200);
    assert.equal((await h.request('GET', '/readyz')).status, 200);
    assert.equal((await h.request('PUT', '/v2/api_auth', { body: { data: { api_key: h.fixture.account.api_key } } })).status, 201);
  });
});
