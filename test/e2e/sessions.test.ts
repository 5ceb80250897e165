/**
 * End to end: logout stores the session's final stats; GET …/{id}/sessions lists them newest
 * first with Crossbar paging; a plain user reads only their own history.
 */
import { strict as assert } from 'node:assert';
import { busClient, callOf } from '../support/events.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

const Q = 'a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7';
const UNKNOWN = 'ffffffffffffffffffffffffffffffff';

describe('e2e: session history', function () {
  this.timeout(30_000);
  let sys: System;
  let t: Tenant;
  let base: string;
  let agent: { id: string; token: string };
  let other: { id: string; token: string };

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'sessions');
    base = t.base;
    agent = await t.addUser({ first_name: 'Hist', last_name: 'Ory' });
    other = await t.addUser({ first_name: 'Oth', last_name: 'Er' });
  });

  const sessions = (id: string, query = '', token = t.adminToken) => sys.api('GET', `${base}/${id}/sessions${query}`, undefined, token);

  it('no session yet: an empty page', async () => {
    const res = await sessions(agent.id);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data, []);
    assert.equal(res.body.page_size, 0);
    assert.equal(res.body.next_start_key, undefined);
  });

  it('each logout stores the final stats; listed newest first and paged without skipping or repeating', async () => {
    const client = busClient(sys);
    const A = t.accountId;
    // session 1: one answered call, one rejected; logout with a reason
    await client.login(A, agent.id);
    await client.setStatus(A, agent.id, 'ready');
    const c1 = callOf(Q);
    await client.offer(A, agent.id, { call: c1, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    await client.answer(A, agent.id, c1.session_id);
    await client.hangup(A, agent.id, c1.session_id);
    const c2 = callOf(Q);
    await client.offer(A, agent.id, { call: c2, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    await client.reject(A, agent.id, c2.session_id);
    await client.logout(A, agent.id, { reason: 'end_of_shift' });
    // session 2: logout asked during a call, applied at hangup
    await client.login(A, agent.id);
    await client.setStatus(A, agent.id, 'ready');
    const c3 = callOf(Q);
    await client.offer(A, agent.id, { call: c3, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    await client.answer(A, agent.id, c3.session_id);
    await client.logout(A, agent.id);
    assert.equal((await client.status(A, agent.id)).next_state, 'Not-Logged-In');
    await client.hangup(A, agent.id, c3.session_id);
    // sessions 3..5: empty ones, most likely ending in the same second (ties must page correctly)
    for (let i = 0; i < 3; i++) {
      await client.login(A, agent.id);
      await client.logout(A, agent.id);
    }

    const all = await sessions(agent.id);
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.page_size, 5);
    assert.equal(all.body.next_start_key, undefined);
    const list = all.body.data as Array<Record<string, any>>;
    for (let i = 1; i < list.length; i++) {
      assert.ok(list[i - 1]!.logout_time >= list[i]!.logout_time, 'newest first');
    }
    assert.equal(new Set(list.map((s) => s.login_session_id)).size, 5);
    // sessions that ended in the same second are ordered by session id: find them by content
    const s1 = list.find((s) => s.stats.missed_calls === 1);
    const s2 = list.find((s) => s.stats.total_calls === 1 && s.stats.missed_calls === 0);
    const empty = list.filter((s) => s.stats.total_calls === 0);
    assert.equal(empty.length, 3);
    assert.ok(empty.every((s) => s.logout_time >= s2!.logout_time && s2!.logout_time >= s1!.logout_time));
    assert.deepEqual(Object.keys(s1!).sort(), ['login_session_id', 'login_time', 'logout_time', 'node', 'reason', 'stats', 'time_in_reason', 'time_in_state']);
    // the time in each state adds up to the session (whole seconds, each rounded)
    const total = Object.values<number>(s1!.time_in_state).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - (s1!.logout_time - s1!.login_time)) <= 3, JSON.stringify(s1));
    assert.equal(s1!.reason, 'end_of_shift');
    assert.equal(s1!.stats.total_calls, 1);
    assert.equal(s1!.stats.missed_calls, 1);
    assert.equal(s1!.node, 'e2e-worker');
    assert.ok(s1!.logout_time >= s1!.login_time);
    assert.equal(s1!.stats.login_time, s1!.login_time);
    assert.equal(s2!.reason, 'deferred_logout');
    assert.equal(s2!.stats.total_calls, 1);
    assert.equal(s2!.stats.missed_calls, 0);

    // pages of 2: 2 + 2 + 1, following next_start_key, same order as the whole list
    const seen: string[] = [];
    let key: string | undefined;
    let pages = 0;
    do {
      const res = await sessions(agent.id, `?page_size=2${key ? `&start_key=${encodeURIComponent(key)}` : ''}&_=${Date.now()}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.page_size <= 2);
      assert.equal(res.body.page_size, res.body.data.length);
      if (key) assert.equal(res.body.start_key, key);
      seen.push(...res.body.data.map((s: { login_session_id: string }) => s.login_session_id));
      key = res.body.next_start_key;
      pages++;
    } while (key && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, list.map((s) => s.login_session_id));
  });

  it('a plain user reads their own history only; an admin reads anyone of the account', async () => {
    assert.equal((await sessions(agent.id, '', agent.token)).status, 200);
    const res = await sessions(agent.id, '', other.token);
    assert.equal(res.status, 403);
    assert.equal(res.body.error, '403');
    assert.equal((await sessions(other.id, '', other.token)).status, 200);
    assert.equal((await sessions(other.id)).status, 200);
  });

  it('bad paging parameters → 400 naming the field; unknown recipient → 404; another account → 403', async () => {
    const zero = await sessions(agent.id, '?page_size=0');
    assert.equal(zero.status, 400);
    assert.ok(zero.body.data.page_size.minimum);
    const big = await sessions(agent.id, '?page_size=1000');
    assert.equal(big.status, 400);
    assert.ok(big.body.data.page_size.maximum);
    const text = await sessions(agent.id, '?page_size=lots');
    assert.equal(text.status, 400);
    assert.ok(text.body.data.page_size.type);
    const key = await sessions(agent.id, '?start_key=yesterday');
    assert.equal(key.status, 400);
    assert.ok(key.body.data.start_key.pattern);
    const unknown = await sessions(UNKNOWN);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.message, 'bad identifier');
    const foreign = await sys.api('GET', `/v2/accounts/${UNKNOWN}/qubicle_recipients/${agent.id}/sessions`, undefined, t.adminToken);
    assert.equal(foreign.status, 403);
  });
});
