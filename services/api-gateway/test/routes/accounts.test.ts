import assert from 'node:assert/strict';
import type { Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

describe('routes/accounts', () => {
  let h: Harness;
  harnessEachTest((started) => (h = started));

  it('GET /v2/accounts/:account_id answers the account (no api key) to an admin', async () => {
    for (const token of [h.token.admin, h.token.api]) {
      const res = await h.request('GET', `${h.base}?_=9`, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'request_id', 'status']);
      assert.deepEqual(res.body.data, { id: h.fixture.account.id, name: 'acme', features: { pro: true }, qubicle: { missed_call_threshold: 3 } });
      assert.ok(!res.text.includes(h.fixture.account.api_key));
    }
  });

  it('403 for a plain user; 403 for another account; nothing sent', async () => {
    const user = await h.request('GET', h.base, { token: h.token.agent });
    assert.equal(user.status, 403, user.text);
    const other = await h.request('GET', h.base, { token: h.token.otherAccount });
    assert.equal(other.status, 403, other.text);
    assert.deepEqual(h.worker.traffic, []);
  });
});
