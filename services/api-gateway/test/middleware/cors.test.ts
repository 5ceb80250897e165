import assert from 'node:assert/strict';
import type { Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

describe('middleware/cors', () => {
  let h: Harness;
  harnessEachTest((started) => (h = started));

  it('answers a preflight 204 without a token, with Crossbar-like CORS headers', async () => {
    const res = await h.request('OPTIONS', `${h.base}/qubicle_recipients/${h.fixture.agent.id}`, {
      headers: { Origin: 'https://monster.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-auth-token,content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, PUT, POST, PATCH, DELETE, OPTIONS');
    assert.equal(res.headers.get('access-control-allow-headers'), 'Content-Type, X-Auth-Token, X-Request-ID, Authorization, If-Match, Idempotency-Key');
    assert.equal(res.headers.get('access-control-expose-headers'), 'X-Request-ID, Retry-After');
    assert.deepEqual(h.worker.traffic, []);
  });

  it('sends the CORS headers on success and on errors', async () => {
    const ok = await h.request('GET', `${h.base}/qubicle_recipients`, { token: h.token.agent, headers: { Origin: 'https://monster.example' } });
    const err = await h.request('GET', `${h.base}/qubicle_recipients`, { headers: { Origin: 'https://monster.example' } });
    assert.equal(ok.status, 200);
    assert.equal(err.status, 401);
    for (const res of [ok, err]) {
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(res.headers.get('access-control-expose-headers'), 'X-Request-ID, Retry-After');
    }
  });
});
