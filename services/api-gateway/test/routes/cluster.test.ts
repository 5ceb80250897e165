import assert from 'node:assert/strict';
import type { Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

describe('routes/cluster', () => {
  let h: Harness;
  harnessEachTest((started) => (h = started));

  it('GET /v2/qubicle/cluster answers the cluster view to an admin (user or api token)', async () => {
    for (const token of [h.token.admin, h.token.api]) {
      const res = await h.request('GET', '/v2/qubicle/cluster?_=1', { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(res.body.status, 'success');
      assert.equal(res.body.data.answered_by, 'fake-worker');
      assert.equal(res.body.data.nodes[0].name, 'fake-worker');
      assert.equal(typeof res.body.data.nodes[0].heartbeat_age_ms, 'number');
    }
  });

  it('403 for a plain user, 401 without a token; nothing sent', async () => {
    const user = await h.request('GET', '/v2/qubicle/cluster', { token: h.token.agent });
    assert.equal(user.status, 403, user.text);
    const anonymous = await h.request('GET', '/v2/qubicle/cluster');
    assert.equal(anonymous.status, 401, anonymous.text);
    assert.ok(!h.worker.traffic.some((t) => JSON.stringify(t).includes('cluster_view')));
  });
});
