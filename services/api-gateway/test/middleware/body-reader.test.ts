/**
 * The body reader parses with the contracts' parseJson: a prototype key anywhere, or nesting
 * deeper than CLIENT_JSON_MAX_DEPTH, is a 400 "invalid request body" that names why, nothing is
 * sent on the bus, and Object.prototype stays untouched.
 */
import assert from 'node:assert/strict';
import { CLIENT_JSON_MAX_DEPTH } from '@qubicle/contracts';
import { startHarness, type Harness } from '../support/harness.js';

describe('middleware/body-reader', () => {
  let h: Harness;
  let R: string;
  before(async () => {
    h = await startHarness();
    R = `${h.base}/qubicle_recipients`;
  });
  after(async () => {
    await h.close();
  });

  it('a __proto__ / constructor / prototype key at any depth, in any spelling: 400 naming the key, nothing sent', async () => {
    const id = h.fixture.agent.id;
    const cases: Array<[string, string]> = [
      [`{"data":{"set_status":true,"__proto__":{"global":"ready"},"${id}":{"global":"ready"}}}`, '__proto__'],
      ['{"data":{"action":"login","x":[{"constructor":{"prototype":{}}}]}}', 'constructor'],
      ['{"data":{"action":"login"},"\\u0070rototype":1}', 'prototype'],
    ];
    for (const [body, key] of cases) {
      const res = await h.request('POST', `${R}/status`, { token: h.token.agent, body });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.message, 'invalid request body');
      assert.equal(res.body.data.message, `request body refused: the key "${key}" is not allowed`);
    }
    assert.deepEqual(h.worker.traffic, []);
    assert.deepEqual(Object.keys(Object.prototype), []);
  });

  it(`nesting deeper than ${CLIENT_JSON_MAX_DEPTH}: 400; ${CLIENT_JSON_MAX_DEPTH} levels still parse (then the contract decides)`, async () => {
    const deep = (n: number) => `{"data":{"first_name":"a","last_name":"b","x":${'['.repeat(n - 2)}${']'.repeat(n - 2)}}}`;
    const refused = await h.request('PUT', `${h.base}/users`, { token: h.token.admin, body: deep(10_000) });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.data.message, `request body refused: nested deeper than ${CLIENT_JSON_MAX_DEPTH} levels`);
    assert.deepEqual(h.worker.traffic, []);
    const accepted = await h.request('PUT', `${h.base}/users`, { token: h.token.admin, body: deep(CLIENT_JSON_MAX_DEPTH) });
    assert.notEqual(accepted.status, 400, accepted.text);
    assert.ok(accepted.status < 500, accepted.text);
  });
});
