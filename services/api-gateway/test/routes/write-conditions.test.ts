import assert from 'node:assert/strict';
import type { Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';
import { canonicalJson } from '../../src/routes/write-conditions.js';

describe('routes: Idempotency-Key and If-Match of recipient writes (what the gateway sends)', () => {
  let h: Harness;
  let R: string;
  harnessEachTest((started) => {
    h = started;
    R = `${h.base}/qubicle_recipients`;
  });

  const set = (id: string, data: object, headers: Record<string, string>, token = h.token.admin) =>
    h.request('POST', `${R}/${id}/status`, { token, body: { data }, headers });
  const idsOf = (type: string) => h.worker.commands(type).map((c) => c.body['command_id'] as string);

  it('the same key and body → the same command id; another body, user or route → another', async () => {
    const me = h.fixture.agent.id;
    await set(me, { status: 'login' }, { 'Idempotency-Key': 'k-1' }, h.token.agent);
    await set(me, { status: 'login' }, { 'Idempotency-Key': 'k-1' }, h.token.agent);
    await set(me, { status: 'login' }, { 'Idempotency-Key': 'k-1' }); // the admin, same key
    await h.request('POST', `${R}/${me}`, { token: h.token.agent, body: { data: { action: 'login' } }, headers: { 'Idempotency-Key': 'k-1' } });
    const [a, b, admin, action] = idsOf('login');
    assert.match(a!, /^i:[0-9a-f]{24}\.[0-9a-f]{8}$/);
    assert.equal(a, b, 'a retry is the same command');
    assert.notEqual(admin, a, 'another user: another command');
    assert.notEqual(action, a, 'another route: another command');
    await set(me, { status: 'logout' }, { 'Idempotency-Key': 'k-1' }, h.token.agent);
    const [other] = idsOf('logout');
    assert.equal(other!.slice(0, 27), a!.slice(0, 27), 'same key scope');
    assert.notEqual(other!.slice(27), a!.slice(27), 'another body');
    assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), canonicalJson({ a: [1, { c: 3, d: 2 }], b: 1 }), 'key order does not matter');
  });

  it('If-Match (quoted, W/) is the expected_revision of the command; a non-number is a 400 and nothing is sent', async () => {
    const me = h.fixture.agent.id;
    await set(me, { status: 'login' }, { 'If-Match': 'W/"0"' });
    assert.equal(h.worker.commands('login')[0]!.body['expected_revision'], 0);
    const bad = await set(me, { status: 'ready' }, { 'If-Match': '"1-abcdef"' });
    assert.equal(bad.status, 400, bad.text);
    assert.ok(bad.body.data['If-Match'], bad.text);
    assert.equal(h.worker.commands('set_status').length, 0);
    const bulk = await h.request('POST', `${R}/status`, { token: h.token.admin, body: { data: { set_status: true, [me]: { global: 'ready' } } }, headers: { 'If-Match': '3' } });
    assert.equal(bulk.status, 400, bulk.text);
    assert.equal(h.worker.commands('set_status').length, 0);
  });

  it('a bad Idempotency-Key is a 400 naming the header, nothing sent; audit_reason travels in the command', async () => {
    const me = h.fixture.agent.id;
    for (const key of ['x'.repeat(129), 'with space', 'a,b', '"a"b"']) {
      const res = await set(me, { status: 'login' }, { 'Idempotency-Key': key });
      assert.equal(res.status, 400, `${key}: ${res.text}`);
    }
    assert.equal(h.worker.commands().length, 0);
    await set(me, { status: 'login', audit_reason: 'start of shift' }, {});
    assert.equal(h.worker.commands('login')[0]!.body['audit_reason'], 'start of shift');
  });
});
