import assert from 'node:assert/strict';
import type { RecipientSession } from '@qubicle/contracts';
import type { Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

function session(n: number): RecipientSession {
  return {
    login_session_id: `s${n}`,
    login_time: 1_000 + n * 10,
    logout_time: 1_005 + n * 10,
    stats: { total_calls: n, missed_calls: 0, avg_call_time: 1.5, login_time: 1_000 + n * 10, last_action_time: 1_005 + n * 10, last_handled_time: 0 },
    node: 'w1',
  };
}

describe('routes: GET …/qubicle_recipients/{id}/sessions', () => {
  let h: Harness;
  let url: (id: string, query?: string) => string;
  harnessEachTest((started) => {
    h = started;
    url = (id, query = '') => `${h.base}/qubicle_recipients/${id}/sessions${query}`;
    // newest first, as the worker answers
    h.worker.sessions.set(h.fixture.agent.id, [5, 4, 3, 2, 1].map(session));
  });

  it('answers the page with page_size and next_start_key; start_key continues (Crossbar paging)', async () => {
    const first = await h.request('GET', url(h.fixture.agent.id, '?page_size=2&_=123'), { token: h.token.admin });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('content-type'), 'application/json');
    assert.deepEqual(first.body.data, [session(5), session(4)]);
    assert.equal(first.body.page_size, 2);
    assert.equal(first.body.next_start_key, '1035:s3');
    assert.equal(first.body.start_key, undefined);
    const [sent] = h.worker.directoryRequests('session_list');
    assert.deepEqual(sent!.body, { type: 'session_list', account_id: h.fixture.account.id, recipient_id: h.fixture.agent.id, limit: 2 });

    const next = await h.request('GET', url(h.fixture.agent.id, `?page_size=2&start_key=${encodeURIComponent(first.body.next_start_key)}`), { token: h.token.admin });
    assert.deepEqual(next.body.data, [session(3), session(2)]);
    assert.equal(next.body.start_key, '1035:s3');
    const last = await h.request('GET', url(h.fixture.agent.id, `?page_size=2&start_key=${encodeURIComponent(next.body.next_start_key)}`), { token: h.token.admin });
    assert.deepEqual(last.body.data, [session(1)]);
    assert.equal(last.body.next_start_key, undefined);
  });

  it('default page size 50', async () => {
    await h.request('GET', url(h.fixture.agent.id), { token: h.token.api });
    assert.equal(h.worker.directoryRequests('session_list')[0]!.body['limit'], 50);
  });

  it('a plain user reads their own only (403 for another, nothing sent); admins and api tokens read anyone', async () => {
    assert.equal((await h.request('GET', url(h.fixture.agent.id), { token: h.token.agent })).status, 200);
    const other = await h.request('GET', url(h.fixture.agent.id), { token: h.token.agent2 });
    assert.equal(other.status, 403);
    assert.equal(other.body.message, 'forbidden');
    assert.equal(h.worker.directoryRequests('session_list').length, 1);
    assert.equal((await h.request('GET', url(h.fixture.agent2.id), { token: h.token.api })).status, 200);
    assert.equal((await h.request('GET', url(h.fixture.agent.id), { token: h.token.otherAccount })).status, 403);
  });

  it('bad page_size / start_key → 400 invalid data naming field and rule, nothing sent', async () => {
    const cases: Array<[string, string, string]> = [
      ['?page_size=0', 'page_size', 'minimum'],
      ['?page_size=101', 'page_size', 'maximum'],
      ['?page_size=ten', 'page_size', 'type'],
      ['?page_size=1.5', 'page_size', 'type'],
      ['?start_key=abc', 'start_key', 'pattern'],
    ];
    for (const [q, field, rule] of cases) {
      const res = await h.request('GET', url(h.fixture.agent.id, q), { token: h.token.admin });
      assert.equal(res.status, 400, q);
      assert.equal(res.body.message, 'invalid data');
      assert.ok(res.body.data[field][rule], `${q}: ${res.text}`);
    }
    assert.equal(h.worker.directoryRequests('session_list').length, 0);
  });

  it('a non-hex id → 404 without asking the worker', async () => {
    const res = await h.request('GET', url('nope'), { token: h.token.admin });
    assert.equal(res.status, 404);
    assert.equal(h.worker.directoryRequests('session_list').length, 0);
  });
});
