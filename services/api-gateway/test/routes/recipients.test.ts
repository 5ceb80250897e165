import assert from 'node:assert/strict';
import { shardOf, shardQueue } from '@qubicle/contracts';
import { newId } from '../support/fixtures.js';
import { WORKER_NODE, loggedIn } from '../support/fake-worker.js';
import type { Harness, Response } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

function assertSuccess(res: Response, token: string, status = 200): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.body.status, 'success');
  assert.equal(res.body.auth_token, token);
  assert.equal(typeof res.body.request_id, 'string');
  assert.equal(res.headers.get('x-request-id'), res.body.request_id);
}

function assertError(res: Response, status: number, message: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.body.status, 'error');
  assert.equal(res.body.error, String(status));
  assert.equal(res.body.message, message);
  assert.equal(typeof res.body.request_id, 'string');
  assert.equal(typeof res.body.auth_token, 'string');
  assert.equal(typeof res.body.data, 'object');
}

describe('routes/recipients', () => {
  let h: Harness;
  let R: string;
  harnessEachTest((started) => {
    h = started;
    R = `${h.base}/qubicle_recipients`;
  });

  describe('GET /qubicle_recipients', () => {
    it('lists recipients with page_size and a stable revision', async () => {
      const res = await h.request('GET', R, { token: h.token.agent });
      assertSuccess(res, h.token.agent);
      assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'page_size', 'request_id', 'revision', 'status']);
      const expected = [h.fixture.admin, h.fixture.agent, h.fixture.agent2].map((u) => ({ id: u.id, name: `${u.first_name} Test` }));
      assert.deepEqual(res.body.data, expected);
      assert.equal(res.body.page_size, 3);
      assert.match(res.body.revision, /^[0-9a-f]{32}$/);
      const again = await h.request('GET', `${R}/`, { token: h.token.agent });
      assert.equal(again.body.revision, res.body.revision, 'same data, same revision (trailing slash accepted)');
      await h.request('POST', `${R}/${h.fixture.clerk.id}/enable`, { token: h.token.admin });
      const changed = await h.request('GET', R, { token: h.token.agent });
      assert.notEqual(changed.body.revision, res.body.revision);
      assert.equal(changed.body.page_size, 4);
    });

    it("accepts jQuery's ?_=<timestamp>", async () => {
      const res = await h.request('GET', `${R}?_=1700000000123`, { token: h.token.agent });
      assertSuccess(res, h.token.agent);
    });
  });

  describe('GET /qubicle_recipients/:id', () => {
    it('answers the users document with its revision and never a password', async () => {
      const res = await h.request('GET', `${R}/${h.fixture.agent.id}?_=1`, { token: h.token.agent2 });
      assertSuccess(res, h.token.agent2);
      assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'request_id', 'revision', 'status']);
      assert.deepEqual(res.body.data, h.fixture.agent);
      assert.ok(!('password' in res.body.data));
      assert.match(res.body.revision, /^1-[0-9a-f]{32}$/);
    });

    it('404 bad identifier for an unknown recipient (worker not_found)', async () => {
      const res = await h.request('GET', `${R}/${newId()}`, { token: h.token.agent });
      assertError(res, 404, 'bad identifier');
      assert.equal(res.body.auth_token, h.token.agent);
    });

    it('404 bad identifier for a non-hex id, without any bus message', async () => {
      for (const id of ['not-an-id', 'ABCDEF0123456789ABCDEF0123456789', '0123', `${h.fixture.agent.id}0`, '%E0%A4%A', 'a'.repeat(4000)]) {
        const res = await h.request('GET', `${R}/${id}`, { token: h.token.agent });
        assertError(res, 404, 'bad identifier');
        const s = await h.request('GET', `${R}/${id}/status`, { token: h.token.agent });
        assertError(s, 404, 'bad identifier');
        const p = await h.request('POST', `${R}/${id}`, { token: h.token.admin, body: { data: { action: 'login' } } });
        assertError(p, 404, 'bad identifier');
      }
      assert.deepEqual(h.worker.traffic, []);
    });
  });

  describe('GET /qubicle_recipients/:id/status', () => {
    it('answers Not-Logged-In for a recipient without an actor', async () => {
      const res = await h.request('GET', `${R}/${h.fixture.agent.id}/status`, { token: h.token.agent2 });
      assertSuccess(res, h.token.agent2);
      assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'request_id', 'status']);
      assert.deepEqual(res.body.data, { available: false, availability_state: 'Not-Logged-In' });
    });

    it("answers the worker's status, sent as get_status on the recipient's shard", async () => {
      h.worker.login(h.fixture.agent.id, { availability_state: 'Ready', available: true });
      const res = await h.request('GET', `${R}/${h.fixture.agent.id}/status`, { token: h.token.agent });
      assertSuccess(res, h.token.agent);
      assert.equal(res.body.data.availability_state, 'Ready');
      assert.equal(res.body.data.node, WORKER_NODE);
      const [cmd, ...rest] = h.worker.commands();
      assert.equal(rest.length, 0);
      assert.equal(cmd?.queue, shardQueue(shardOf(h.fixture.account.id, h.fixture.agent.id, 4)));
      assert.equal(cmd?.body['type'], 'get_status');
    });
  });

  describe('POST /qubicle_recipients/:id (actions)', () => {
    it('login, logout, wrapup_extend, wrapup_cancel, monitor, monitor_stop answer {action}', async () => {
      const id = h.fixture.agent.id;
      // whole statuses: replies are validated against the command's reply schema on receipt
      h.worker.overrides.set('wrapup_extend', () => ({ ok: true, data: { ...loggedIn('Away'), available: false, availability_state: 'Wrapup-Time' } }));
      h.worker.overrides.set('wrapup_cancel', () => ({ ok: true, data: { ...loggedIn('Ready') } }));
      h.worker.login(h.fixture.agent2.id);
      const bodies = [
        { action: 'login' },
        { action: 'wrapup_extend' },
        { action: 'wrapup_cancel' },
        { action: 'monitor', target: h.fixture.agent2.id },
        { action: 'monitor', target: h.fixture.agent2.id, mode: 'whisper' },
        { action: 'monitor_stop' },
        { action: 'logout' },
      ];
      for (const data of bodies) {
        const res = await h.request('POST', `${R}/${id}`, { token: h.token.agent, body: { data } });
        assertSuccess(res, h.token.agent);
        assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'request_id', 'status']);
        assert.deepEqual(res.body.data, { action: data.action });
      }
      const sent = h.worker.commands().map((c) => {
        const { command_id, shard_count, account_id, recipient_id, by, ...rest } = c.body;
        assert.match(String(command_id), /^[0-9a-f-]{36}$/);
        assert.equal(shard_count, 4);
        assert.equal(account_id, h.fixture.account.id);
        assert.equal(recipient_id, id);
        assert.deepEqual(by, { user_id: id, priv_level: 'user' });
        return rest;
      });
      assert.deepEqual(sent, [
        { type: 'login' },
        { type: 'wrapup_extend' },
        { type: 'wrapup_cancel' },
        { type: 'monitor', target_id: h.fixture.agent2.id, mode: 'eavesdrop' },
        { type: 'monitor', target_id: h.fixture.agent2.id, mode: 'whisper' },
        { type: 'monitor_stop' },
        { type: 'logout' },
      ]);
      assert.equal(new Set(h.worker.commands().map((c) => c.body['command_id'])).size, sent.length, 'a fresh command_id each');
    });

    it("maps the worker's refusal (invalid_transition) to 409", async () => {
      h.worker.login(h.fixture.agent.id);
      const res = await h.request('POST', `${R}/${h.fixture.agent.id}`, { token: h.token.agent, body: { data: { action: 'wrapup_extend' } } });
      assertError(res, 409, 'not in wrap-up');
      assert.equal(res.body.data.code, 'invalid_transition');
      assert.equal(res.body.data.state, 'Away');
    });

    it('400 invalid data naming field and rule, and nothing sent', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ data: { action: 'dance' } }, 'action', 'enum'],
        [{ data: {} }, 'action', 'required'],
        [{ data: { action: 'monitor' } }, 'target', 'required'],
        [{ data: { action: 'monitor', target: 'nope' } }, 'target', 'pattern'],
        [{ data: { action: 'monitor', target: h.fixture.agent2.id, mode: 'shout' } }, 'mode', 'enum'],
        [{ action: 'login' }, 'data', 'required'],
        [{ data: 'login' }, 'data', 'type'],
      ];
      for (const [body, field, rule] of cases) {
        const res = await h.request('POST', `${R}/${h.fixture.agent.id}`, { token: h.token.agent, body });
        assertError(res, 400, 'invalid data');
        assert.ok(res.body.data[field]?.[rule], `${JSON.stringify(body)} → ${res.text}`);
        assert.equal(typeof res.body.data[field][rule].message, 'string');
      }
      const unknown = await h.request('POST', `${R}/${h.fixture.agent.id}`, { token: h.token.agent, body: { data: { action: 'dance' } } });
      assert.equal(unknown.body.data.action.enum.cause, 'dance');
      assert.deepEqual(h.worker.traffic, []);
    });

    it('accepts ui_metadata and accept_charges', async () => {
      const res = await h.request('POST', `${R}/${h.fixture.agent.id}?_=42`, {
        token: h.token.agent,
        body: { data: { action: 'login', ui_metadata: { ui: 'monster-ui', version: '4.3' } }, accept_charges: true, ui_metadata: { origin: 'callcenter' } },
      });
      assertSuccess(res, h.token.agent);
      assert.deepEqual(res.body.data, { action: 'login' });
      assert.equal(h.worker.commands('login').length, 1);
      assert.ok(!('ui_metadata' in h.worker.commands('login')[0]!.body));
    });

    it('403 for a plain user acting on another recipient (not a member of a queue they manage), and no command sent', async () => {
      const res = await h.request('POST', `${R}/${h.fixture.agent2.id}`, { token: h.token.agent, body: { data: { action: 'login' } } });
      assertError(res, 403, 'forbidden');
      const s = await h.request('POST', `${R}/${h.fixture.agent2.id}/status`, { token: h.token.agent, body: { data: { status: 'ready' } } });
      assertError(s, 403, 'forbidden');
      // only the look-up of the queues the recipient is on (routes/supervision.ts); no command
      assert.deepEqual(
        h.worker.traffic.map((t) => (t.body as { type: string }).type),
        ['queue_membership', 'queue_membership'],
      );
    });

    it('an admin (user or api token) may act on any recipient of the account', async () => {
      for (const token of [h.token.admin, h.token.api]) {
        const res = await h.request('POST', `${R}/${h.fixture.agent2.id}`, { token, body: { data: { action: 'login' } } });
        assertSuccess(res, token);
      }
      const [byAdmin, byApi] = h.worker.commands('login');
      assert.deepEqual(byAdmin?.body['by'], { user_id: h.fixture.admin.id, priv_level: 'admin' });
      assert.deepEqual(byApi?.body['by'], { priv_level: 'admin' });
    });
  });

  describe('POST /qubicle_recipients/:id/status', () => {
    it('login / ready / away (+queue_id) / logout answer {status, queue_id?}', async () => {
      const id = h.fixture.agent.id;
      const q = newId();
      const steps: Array<[Record<string, unknown>, Record<string, unknown>]> = [
        [{ status: 'login' }, { type: 'login' }],
        [{ status: 'ready' }, { type: 'set_status', status: 'ready' }],
        [{ status: 'away', queue_id: q }, { type: 'set_status', status: 'away', queue_id: q }],
        [{ status: 'logout' }, { type: 'logout' }],
      ];
      for (const [data] of steps) {
        const res = await h.request('POST', `${R}/${id}/status`, { token: h.token.agent, body: { data } });
        assertSuccess(res, h.token.agent);
        assert.deepEqual(res.body.data, data);
      }
      const sent = h.worker.commands().map((c) => {
        const { type, status, queue_id } = c.body;
        return JSON.parse(JSON.stringify({ type, status, queue_id })) as Record<string, unknown>;
      });
      assert.deepEqual(
        sent,
        steps.map(([, c]) => c),
      );
    });

    it('ready before login is refused by the worker: 409', async () => {
      const res = await h.request('POST', `${R}/${h.fixture.agent.id}/status`, { token: h.token.agent, body: { data: { status: 'ready' } } });
      assertError(res, 409, 'recipient is not logged in');
    });

    it('400 invalid data naming field and rule, and nothing sent', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ data: { status: 'sleeping' } }, 'status', 'enum'],
        [{ data: {} }, 'status', 'required'],
        [{ data: { status: 'ready', queue_id: 'queue-1' } }, 'queue_id', 'pattern'],
        [{ data: { status: 'ready', queue_id: 42 } }, 'queue_id', 'type'],
        [{ data: { status: 'login', queue_id: newId() } }, 'status', 'enum'],
        [{ data: { status: 'logout', queue_id: newId() } }, 'status', 'enum'],
      ];
      for (const [body, field, rule] of cases) {
        const res = await h.request('POST', `${R}/${h.fixture.agent.id}/status`, { token: h.token.agent, body });
        assertError(res, 400, 'invalid data');
        assert.ok(res.body.data[field]?.[rule], `${JSON.stringify(body)} → ${res.text}`);
      }
      assert.deepEqual(h.worker.traffic, []);
    });
  });

  describe('POST /qubicle_recipients/:id/enable|disable', () => {
    it('admin: sets qubicle.enabled and answers the users document', async () => {
      const off = await h.request('POST', `${R}/${h.fixture.agent.id}/disable`, { token: h.token.admin, body: { data: {} } });
      assertSuccess(off, h.token.admin);
      assert.equal(off.body.data.qubicle.enabled, false);
      assert.ok(!('password' in off.body.data));
      assert.match(off.body.revision, /^2-/);
      const on = await h.request('POST', `${R}/${h.fixture.agent.id}/enable`, { token: h.token.api });
      assertSuccess(on, h.token.api);
      assert.equal(on.body.data.qubicle.enabled, true);
      assert.deepEqual(
        h.worker.directoryRequests('recipient_set_enabled').map((r) => r.body['enabled']),
        [false, true],
      );
    });

    it('plain user: 403 even for themselves, nothing sent', async () => {
      const res = await h.request('POST', `${R}/${h.fixture.agent.id}/disable`, { token: h.token.agent });
      assertError(res, 403, 'forbidden');
      assert.deepEqual(h.worker.traffic, []);
    });
  });

  describe('methods', () => {
    it('405 with Allow for a wrong method on a known path', async () => {
      for (const [method, path] of [
        ['PUT', R],
        ['DELETE', `${R}/${h.fixture.agent.id}`],
        ['PATCH', `${R}/${h.fixture.agent.id}/status`],
        ['GET', `${R}/${h.fixture.agent.id}/enable`],
      ] as const) {
        const res = await h.request(method, path, { token: h.token.admin, body: method === 'GET' ? undefined : { data: {} } });
        assertError(res, 405, 'method not allowed');
        assert.ok(res.headers.get('allow'), `${method} ${path}`);
      }
      assert.deepEqual(h.worker.traffic, []);
    });
  });
});
