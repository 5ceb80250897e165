import assert from 'node:assert/strict';
import { newId } from '../support/fixtures.js';
import type { Harness } from '../support/harness.js';
import { ok, refused } from '../support/envelopes.js';
import { harnessEachTest } from '../support/each-test.js';

describe('routes/users', () => {
  let h: Harness;
  let U: string;
  harnessEachTest((started) => {
    h = started;
    U = `${h.base}/users`;
  });

  it('GET /users lists the users (any token of the account) with page_size and revision', async () => {
    const res = await h.request('GET', `${U}?_=1`, { token: h.token.clerk });
    ok(res);
    assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'page_size', 'request_id', 'revision', 'status']);
    assert.equal(res.body.page_size, 4);
    assert.deepEqual(
      res.body.data.map((u: { id: string }) => u.id),
      h.fixture.users.map((u) => u.id),
    );
    assert.ok(res.body.data.every((u: object) => !('password' in u)));
  });

  it('GET /users/:user_id answers the document and its revision, never a password', async () => {
    const res = await h.request('GET', `${U}/${h.fixture.agent2.id}`, { token: h.token.agent });
    ok(res);
    assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'request_id', 'revision', 'status']);
    assert.deepEqual(res.body.data, h.fixture.agent2);
    assert.match(res.body.revision, /^1-/);
  });

  it('GET /users/:user_id 404 bad identifier for unknown and non-hex ids', async () => {
    const unknown = await h.request('GET', `${U}/${newId()}`, { token: h.token.agent });
    refused(unknown, 404);
    assert.equal(unknown.body.message, 'bad identifier');
    const bad = await h.request('GET', `${U}/nope`, { token: h.token.agent });
    refused(bad, 404);
    assert.equal(bad.body.message, 'bad identifier');
    assert.equal(h.worker.directoryRequests().length, 1);
  });

  describe('PUT /users (create, admin)', () => {
    it('201 with the new document; the password goes to the directory and never comes back', async () => {
      const res = await h.request('PUT', U, {
        token: h.token.admin,
        body: { data: { first_name: 'Linus', last_name: 'T', username: 'linus', password: 'hunter22', qubicle: { enabled: true }, ui_metadata: { ui: 'm' } } },
      });
      ok(res, 201);
      assert.equal(res.body.data.first_name, 'Linus');
      assert.match(res.body.data.id, /^[0-9a-f]{32}$/);
      assert.ok(!('password' in res.body.data));
      assert.ok(!('ui_metadata' in res.body.data), 'ui_metadata is ignored');
      const [req] = h.worker.directoryRequests('user_create');
      assert.equal((req?.body['user'] as Record<string, unknown>)['password'], 'hunter22');
      assert.ok(!h.logger.text().includes('hunter22'));
    });

    it('403 for a plain user, nothing sent', async () => {
      const res = await h.request('PUT', U, { token: h.token.agent, body: { data: { first_name: 'A', last_name: 'B' } } });
      refused(res, 403);
      assert.equal(h.worker.directoryRequests().length, 0);
    });

    it('400 invalid data naming field and rule', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ data: { last_name: 'B' } }, 'first_name', 'required'],
        [{ data: { first_name: 'A', last_name: 'B', priv_level: 'root' } }, 'priv_level', 'enum'],
        [{ data: { first_name: 'A', last_name: 'B', email: 'nope' } }, 'email', 'pattern'],
        [{ data: { first_name: 'A', last_name: 'B', password: 'abc', username: 'ab' } }, 'password', 'minLength'],
      ];
      for (const [body, field, rule] of cases) {
        const res = await h.request('PUT', U, { token: h.token.admin, body });
        refused(res, 400);
        assert.equal(res.body.message, 'invalid data');
        assert.ok(res.body.data[field]?.[rule], `${JSON.stringify(body)} → ${res.text}`);
      }
      assert.equal(h.worker.directoryRequests().length, 0);
    });
  });

  describe('POST /users/:user_id (replace)', () => {
    it('admin: replaces; a document read back (with its id and account_id) is accepted; If-Match is the rev', async () => {
      const read = await h.request('GET', `${U}/${h.fixture.agent.id}`, { token: h.token.admin });
      const doc = { ...read.body.data, first_name: 'Alonzo' };
      const res = await h.request('POST', `${U}/${h.fixture.agent.id}`, {
        token: h.token.admin,
        body: { data: doc },
        headers: { 'If-Match': `"${read.body.revision}"` },
      });
      ok(res);
      assert.equal(res.body.data.first_name, 'Alonzo');
      assert.match(res.body.revision, /^2-/);
      const [req] = h.worker.directoryRequests('user_update');
      assert.equal(req?.body['rev'], read.body.revision);
      assert.ok(!('id' in (req?.body['user'] as object)));

      const stale = await h.request('POST', `${U}/${h.fixture.agent.id}?rev=${encodeURIComponent(read.body.revision)}`, {
        token: h.token.admin,
        body: { data: doc },
      });
      refused(stale, 409);
      assert.equal(h.worker.directoryRequests('user_update')[1]?.body['rev'], read.body.revision, '?rev= is used too');
    });

    it('a plain user may replace their own document, resending the current guarded fields', async () => {
      const read = await h.request('GET', `${U}/${h.fixture.agent.id}`, { token: h.token.agent });
      const res = await h.request('POST', `${U}/${h.fixture.agent.id}`, {
        token: h.token.agent,
        body: { data: { ...read.body.data, last_name: 'Turing', password: 'new-password' } },
      });
      ok(res);
      assert.equal(res.body.data.last_name, 'Turing');
      assert.ok(!('password' in res.body.data));
    });

    it('a plain user omitting guarded fields keeps them (a replace cannot reset them)', async () => {
      const res = await h.request('POST', `${U}/${h.fixture.agent.id}`, { token: h.token.agent, body: { data: { first_name: 'A', last_name: 'B' } } });
      ok(res);
      const [req] = h.worker.directoryRequests('user_update');
      const user = req?.body['user'] as Record<string, unknown>;
      assert.equal(user['priv_level'], 'user');
      assert.equal(user['enabled'], true);
      assert.deepEqual(user['qubicle'], { enabled: true, permissions: { monitor: false } });
    });

    it('403 for a plain user raising priv_level, qubicle or writing another user; nothing written', async () => {
      const self = `${U}/${h.fixture.agent.id}`;
      const cases: Array<[string, string, Record<string, unknown>]> = [
        [h.token.agent, self, { priv_level: 'admin' }],
        [h.token.agent, self, { qubicle: { enabled: true, permissions: { monitor: true } } }],
        [h.token.clerk, `${U}/${h.fixture.clerk.id}`, { qubicle: { enabled: true } }],
        [h.token.agent, `${U}/${h.fixture.agent2.id}`, {}],
      ];
      for (const [token, path, extra] of cases) {
        const res = await h.request('POST', path, { token, body: { data: { first_name: 'A', last_name: 'B', ...extra } } });
        refused(res, 403);
      }
      assert.equal(h.worker.directoryRequests('user_update').length, 0);
    });
  });

  describe('PATCH /users/:user_id', () => {
    it('admin may raise anything', async () => {
      const res = await h.request('PATCH', `${U}/${h.fixture.clerk.id}`, { token: h.token.admin, body: { data: { priv_level: 'admin', qubicle: { enabled: true } } } });
      ok(res);
      assert.equal(res.body.data.priv_level, 'admin');
      assert.equal(res.body.data.qubicle.enabled, true);
    });

    it('a plain user may patch their own harmless fields and lower their own', async () => {
      const res = await h.request('PATCH', `${U}/${h.fixture.agent.id}`, { token: h.token.agent, body: { data: { email: 'a@b.c', qubicle: { enabled: false } } } });
      ok(res);
      assert.equal(res.body.data.email, 'a@b.c');
      assert.equal(res.body.data.qubicle.enabled, false);
    });

    it('403 when a plain user raises; 400 for an empty patch (ui_metadata alone does not count)', async () => {
      const up = await h.request('PATCH', `${U}/${h.fixture.agent.id}`, { token: h.token.agent, body: { data: { qubicle: { permissions: { monitor: true } } } } });
      refused(up, 403);
      const empty = await h.request('PATCH', `${U}/${h.fixture.agent.id}`, { token: h.token.agent, body: { data: { ui_metadata: {} } } });
      refused(empty, 400);
      assert.ok(empty.body.data.data?.minProperties, empty.text);
      assert.equal(h.worker.directoryRequests('user_patch').length, 0);
    });
  });

  describe('DELETE /users/:user_id', () => {
    it('admin: answers the deleted document', async () => {
      const res = await h.request('DELETE', `${U}/${h.fixture.clerk.id}`, { token: h.token.admin });
      ok(res);
      assert.equal(res.body.data.id, h.fixture.clerk.id);
      assert.ok(!('password' in res.body.data));
      const gone = await h.request('GET', `${U}/${h.fixture.clerk.id}`, { token: h.token.admin });
      refused(gone, 404);
    });

    it('403 for a plain user, even on themselves', async () => {
      const res = await h.request('DELETE', `${U}/${h.fixture.agent.id}`, { token: h.token.agent });
      refused(res, 403);
      assert.equal(h.worker.directoryRequests('user_delete').length, 0);
    });
  });
});
