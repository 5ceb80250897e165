/**
 * End to end: HTTP → real listening gateway → real RabbitMQ (fresh vhost) → worker →
 * SQLite. Every endpoint of the seed, the errors and the refused transitions.
 */
import { strict as assert } from 'node:assert';
import { startSystem, md5, PASSWORD, type System } from '../support/system.js';

const Q1 = 'c6564319c5996b0db6f4e53d69db79d8';
const Q2 = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b';
const UNKNOWN = 'ffffffffffffffffffffffffffffffff';

describe('e2e: qubicle recipients API over RabbitMQ', function () {
  this.timeout(60_000);
  let sys: System;
  let base: string;
  let agent: { id: string; token: string };
  let other: { id: string; token: string };

  before(async () => {
    sys = await startSystem();
    base = `/v2/accounts/${sys.accountId}/qubicle_recipients`;
    agent = await sys.createUser({ first_name: 'Alice', last_name: 'Agent' });
    other = await sys.createUser({ first_name: 'Bob', last_name: 'Agent' });
  });
  after(async () => {
    await sys?.stop();
  });

  const action = (id: string, body: object, token = sys.adminToken) => sys.api('POST', `${base}/${id}`, { data: body }, token);
  const status = (id: string, token = sys.adminToken) => sys.api('GET', `${base}/${id}/status`, undefined, token);

  describe('auth', () => {
    it('user_auth answers a token and KAZOO-shaped data; the token opens the account', async () => {
      const res = await sys.api('PUT', '/v2/user_auth', { data: { credentials: md5(`admin:${PASSWORD}`), account_name: 'demo' } });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(typeof res.body.auth_token, 'string');
      assert.equal(res.body.data.account_id, sys.accountId);
      assert.equal(res.body.data.owner_id, sys.adminId);
      const list = await sys.api('GET', base, undefined, res.body.auth_token);
      assert.equal(list.status, 200);
    });

    it('wrong password, unknown account → 401 with the same message', async () => {
      const a = await sys.api('PUT', '/v2/user_auth', { data: { credentials: md5('admin:nope'), account_name: 'demo' } });
      const b = await sys.api('PUT', '/v2/user_auth', { data: { credentials: md5(`admin:${PASSWORD}`), account_name: 'nosuch' } });
      assert.equal(a.status, 401);
      assert.equal(b.status, 401);
      assert.equal(a.body.message, b.body.message);
      assert.equal(a.body.status, 'error');
      assert.equal(a.body.error, '401');
    });

    it('api_auth with the account api key answers an admin token', async () => {
      const account = await sys.store.getAccount(sys.accountId);
      const res = await sys.api('PUT', '/v2/api_auth', { data: { api_key: account!.api_key } });
      assert.equal(res.status, 201);
      const login = await action(agent.id, { action: 'logout' }, res.body.auth_token);
      assert.equal(login.status, 200);
    });

    it('missing or invalid token → 401; another account → 403', async () => {
      assert.equal((await sys.api('GET', base)).status, 401);
      assert.equal((await sys.api('GET', base, undefined, 'not-a-token')).status, 401);
      const res = await sys.api('GET', `/v2/accounts/${UNKNOWN}/qubicle_recipients`, undefined, sys.adminToken);
      assert.equal(res.status, 403);
    });
  });

  describe('recipients', () => {
    it('list: id and name of every recipient, page_size and revision', async () => {
      const res = await sys.api('GET', `${base}?_=${Date.now()}`, undefined, sys.adminToken);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'success');
      assert.equal(res.body.page_size, res.body.data.length);
      assert.equal(typeof res.body.revision, 'string');
      const alice = res.body.data.find((r: { id: string }) => r.id === agent.id);
      assert.deepEqual(alice, { id: agent.id, name: 'Alice Agent' });
    });

    it('get: the users document, never credentials', async () => {
      const res = await sys.api('GET', `${base}/${agent.id}`, undefined, sys.adminToken);
      assert.equal(res.status, 200);
      assert.equal(res.body.data.id, agent.id);
      assert.equal(res.body.data.first_name, 'Alice');
      assert.equal(res.body.data.qubicle.enabled, true);
      assert.ok(!res.text.includes(PASSWORD));
      assert.ok(!('password' in res.body.data));
    });

    it('status of a recipient who is not logged in', async () => {
      const res = await status(other.id);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, { available: false, availability_state: 'Not-Logged-In' });
    });

    it('login → Away with fresh stats and the node; login again is idempotent', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await action(agent.id, { action: 'login', ui_metadata: { ui: 'monster-ui' } }, agent.token);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, { action: 'login' });
      const s = (await status(agent.id)).body.data;
      assert.equal(s.availability_state, 'Away');
      assert.equal(s.available, false);
      assert.equal(s.node, 'e2e-worker');
      assert.equal(s.wrapup_time_seconds, 0);
      assert.deepEqual(s.queue_availability, {});
      assert.equal(s.stats.total_calls, 0);
      assert.equal(s.stats.missed_calls, 0);
      assert.ok(s.stats.login_time >= before);
      const again = await action(agent.id, { action: 'login' }, agent.token);
      assert.equal(again.status, 200);
      assert.equal((await status(agent.id)).body.data.stats.login_time, s.stats.login_time);
    });

    it('ready / away globally and per queue via POST /status', async () => {
      let res = await sys.api('POST', `${base}/${agent.id}/status`, { data: { status: 'ready' } }, agent.token);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, { status: 'ready' });
      let s = (await status(agent.id)).body.data;
      assert.equal(s.availability_state, 'Ready');
      assert.equal(s.available, true);

      res = await sys.api('POST', `${base}/${agent.id}/status`, { data: { status: 'away', queue_id: Q1 } }, agent.token);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, { status: 'away', queue_id: Q1 });
      s = (await status(agent.id)).body.data;
      assert.equal(s.availability_state, 'Ready');
      assert.deepEqual(s.queue_availability, { [Q1]: false });

      res = await sys.api('POST', `${base}/${agent.id}/status`, { data: { status: 'away' } }, agent.token);
      assert.equal((await status(agent.id)).body.data.availability_state, 'Away');
    });

    it('wrapup_extend / wrapup_cancel outside wrap-up are refused (409) and change nothing', async () => {
      const before = (await status(agent.id)).body.data;
      for (const a of ['wrapup_extend', 'wrapup_cancel']) {
        const res = await action(agent.id, { action: a }, agent.token);
        assert.equal(res.status, 409, a);
        assert.equal(res.body.status, 'error');
        assert.equal(res.body.error, '409');
      }
      assert.deepEqual((await status(agent.id)).body.data, before);
    });

    it('ready/away before login → 409 not logged in, nothing changes', async () => {
      const res = await sys.api('POST', `${base}/${other.id}/status`, { data: { status: 'ready' } }, sys.adminToken);
      assert.equal(res.status, 409);
      assert.match(res.body.message, /not logged in/i);
      assert.equal((await status(other.id)).body.data.availability_state, 'Not-Logged-In');
    });

    it('bulk status: status objects and "not_logged_in"', async () => {
      const res = await sys.api('POST', `${base}/status`, { data: { recipient_ids: [agent.id, other.id] } }, sys.adminToken);
      assert.equal(res.status, 200);
      assert.equal(res.body.data[other.id], 'not_logged_in');
      assert.equal(res.body.data[agent.id].availability_state, 'Away');
      assert.equal(res.body.data[agent.id].node, 'e2e-worker');
    });

    it('bulk set status: global first then queues; per-key ok/error', async () => {
      const res = await sys.api(
        'POST',
        `${base}/status`,
        { data: { set_status: true, [agent.id]: { global: 'ready', [Q2]: 'away' }, [other.id]: { [Q1]: 'ready' } } },
        sys.adminToken,
      );
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data[agent.id], { global: 'ok', [Q2]: 'ok' });
      assert.deepEqual(res.body.data[other.id], { [Q1]: 'error' });
      const s = (await status(agent.id)).body.data;
      assert.equal(s.availability_state, 'Ready');
      assert.equal(s.queue_availability[Q2], false);
    });

    it('a plain user may not change another recipient (403) and nothing changes', async () => {
      const res = await action(agent.id, { action: 'logout' }, other.token);
      assert.equal(res.status, 403);
      assert.equal((await status(agent.id)).body.data.availability_state, 'Ready');
    });

    it('logout → Not-Logged-In', async () => {
      const res = await action(agent.id, { action: 'logout' }, agent.token);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, { action: 'logout' });
      assert.equal((await status(agent.id)).body.data.availability_state, 'Not-Logged-In');
    });

    it('login/logout through POST /status too', async () => {
      assert.equal((await sys.api('POST', `${base}/${other.id}/status`, { data: { status: 'login' } }, other.token)).status, 200);
      assert.equal((await status(other.id)).body.data.availability_state, 'Away');
      assert.equal((await sys.api('POST', `${base}/${other.id}/status`, { data: { status: 'logout' } }, other.token)).status, 200);
      assert.equal((await status(other.id)).body.data.availability_state, 'Not-Logged-In');
    });

    it('disable (Monster UI SDK updateDisable) takes the user off the list; enable puts it back', async () => {
      let res = await sys.api('POST', `${base}/${other.id}/disable`, { data: {} }, sys.adminToken);
      assert.equal(res.status, 200);
      let list = await sys.api('GET', base, undefined, sys.adminToken);
      assert.ok(!list.body.data.some((r: { id: string }) => r.id === other.id));
      assert.equal((await status(other.id)).status, 404);
      res = await sys.api('POST', `${base}/${other.id}/enable`, { data: {} }, sys.adminToken);
      assert.equal(res.status, 200);
      list = await sys.api('GET', base, undefined, sys.adminToken);
      assert.ok(list.body.data.some((r: { id: string }) => r.id === other.id));
    });
  });

  describe('bad input changes nothing', () => {
    it('unknown action → 400 invalid data naming field and rule', async () => {
      const res = await action(agent.id, { action: 'dance' });
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'invalid data');
      assert.equal(res.body.data.action.enum.cause, 'dance');
    });

    it('malformed JSON → 400; huge body → 413', async () => {
      const bad = await sys.api('POST', `${base}/${agent.id}`, '{"data":', sys.adminToken);
      assert.equal(bad.status, 400);
      const big = await sys.api('POST', `${base}/${agent.id}`, JSON.stringify({ data: { action: 'login', pad: 'x'.repeat(2_000_000) } }), sys.adminToken);
      assert.equal(big.status, 413);
      assert.equal((await status(agent.id)).body.data.availability_state, 'Not-Logged-In');
    });

    it('unknown recipient → 404 bad identifier; non-hex id → 404', async () => {
      const res = await status(UNKNOWN);
      assert.equal(res.status, 404);
      assert.equal(res.body.message, 'bad identifier');
      assert.equal((await action(UNKNOWN, { action: 'login' })).status, 404);
      assert.equal((await sys.api('GET', `${base}/not-an-id/status`, undefined, sys.adminToken)).status, 404);
    });

    it('request id is honoured from X-Request-ID and echoed in body and header', async () => {
      const res = await sys.api('GET', base, undefined, sys.adminToken, { 'X-Request-ID': 'req-e2e-42' });
      assert.equal(res.body.request_id, 'req-e2e-42');
      assert.equal(res.headers.get('x-request-id'), 'req-e2e-42');
    });
  });

  describe('users API', () => {
    it('create, read, patch, update, delete; duplicate username → 409', async () => {
      const created = await sys.api('PUT', `/v2/accounts/${sys.accountId}/users`, { data: { first_name: 'Carl', last_name: 'Temp', username: 'carl', password: 'carl-pass' } }, sys.adminToken);
      assert.equal(created.status, 201);
      const id = created.body.data.id as string;
      assert.ok(!created.text.includes('carl-pass'));
      const dup = await sys.api('PUT', `/v2/accounts/${sys.accountId}/users`, { data: { first_name: 'C', last_name: 'T', username: 'CARL' } }, sys.adminToken);
      assert.equal(dup.status, 409);
      const patched = await sys.api('PATCH', `/v2/accounts/${sys.accountId}/users/${id}`, { data: { qubicle: { enabled: true } } }, sys.adminToken);
      assert.equal(patched.status, 200);
      assert.equal(patched.body.data.qubicle.enabled, true);
      assert.equal(patched.body.data.first_name, 'Carl');
      const token = await sys.login('carl', 'carl-pass');
      assert.equal((await action(id, { action: 'login' }, token)).status, 200);
      const got = await sys.api('GET', `/v2/accounts/${sys.accountId}/users/${id}`, undefined, token);
      assert.equal(got.body.data.username, 'carl');
      const del = await sys.api('DELETE', `/v2/accounts/${sys.accountId}/users/${id}`, undefined, sys.adminToken);
      assert.equal(del.status, 200);
      // deleting a logged-in recipient logged them out first
      assert.equal((await sys.store.loadRecipient(sys.accountId, id)), null);
      assert.equal((await sys.api('GET', `/v2/accounts/${sys.accountId}/users/${id}`, undefined, sys.adminToken)).status, 404);
    });
  });

  describe('no worker answering', () => {
    it('→ 504 within the RPC timeout, and the expired command is never executed later', async () => {
      await sys.stopWorker();
      const t0 = Date.now();
      const res = await action(other.id, { action: 'login' });
      assert.equal(res.status, 504);
      assert.ok(Date.now() - t0 < 10_000);
      await sys.startWorker();
      // a later command on the same shard queue is answered: the one before it had expired
      const after = await status(other.id);
      assert.equal(after.status, 200);
      assert.equal(after.body.data.availability_state, 'Not-Logged-In');
    });
  });
});
