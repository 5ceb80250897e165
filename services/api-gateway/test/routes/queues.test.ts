import assert from 'node:assert/strict';
import { MAX_QUEUE_ROSTER } from '@qubicle/contracts';
import { newId } from '../support/fixtures.js';
import type { Harness } from '../support/harness.js';
import { ok, refused } from '../support/envelopes.js';
import { harnessEachTest } from '../support/each-test.js';

describe('routes/queues', () => {
  let h: Harness;
  let Q: string;
  harnessEachTest((started) => {
    h = started;
    Q = `${h.base}/qubicle_queues`;
  });

  describe('documents', () => {
    it('PUT creates (admin) with older field names, answers current names and defaults, 201 with a revision', async () => {
      const res = await h.request('PUT', Q, {
        token: h.token.admin,
        body: { data: { queue_name: 'Support', agent_connect_timeout: 15, queue_timeout: 300, ui_metadata: { ui: 'monster-ui' } }, accept_charges: true },
      });
      ok(res, 201);
      assert.match(res.body.revision, /^1-/);
      const doc = res.body.data;
      assert.equal(doc.name, 'Support');
      assert.equal(doc.ring_timeout, 15);
      assert.equal(doc.timeout, 300);
      assert.equal(doc.queue_router, 'route_round_robin');
      assert.equal(doc.tick_time, 1000);
      for (const old of ['queue_name', 'agent_connect_timeout', 'queue_timeout']) assert.ok(!(old in doc), `${old} answered`);
      assert.deepEqual(h.worker.queues.queues.get(doc.id)?.doc, doc);
    });

    it('invalid fields → 400 naming each field and rule; nothing is sent to the directory', async () => {
      const res = await h.request('PUT', Q, { token: h.token.admin, body: { data: { ring_timeout: 0, tick_time: 10, queue_router: 'route_random' } } });
      refused(res, 400, 'invalid data');
      assert.ok(res.body.data.ring_timeout.minimum);
      assert.ok(res.body.data.tick_time.minimum);
      assert.ok(res.body.data.queue_router.enum);
      assert.ok(res.body.data.name.required);
      assert.equal(h.worker.directoryRequests('queue_create').length, 0);
    });

    it('an older and a current name that differ → 400 conflict on the older one', async () => {
      const res = await h.request('PUT', Q, { token: h.token.admin, body: { data: { name: 'A', queue_name: 'B' } } });
      refused(res, 400);
      assert.ok(res.body.data.queue_name.conflict);
    });

    it('only admins create, update, patch and delete; any token of the account reads', async () => {
      const q = h.worker.queues.add({ name: 'Sales' });
      refused(await h.request('PUT', Q, { token: h.token.agent, body: { data: { name: 'Mine' } } }), 403);
      refused(await h.request('POST', `${Q}/${q.id}`, { token: h.token.agent, body: { data: { name: 'Mine' } } }), 403);
      refused(await h.request('PATCH', `${Q}/${q.id}`, { token: h.token.agent, body: { data: { name: 'Mine' } } }), 403);
      refused(await h.request('DELETE', `${Q}/${q.id}`, { token: h.token.agent, body: { data: {} } }), 403);
      assert.equal(h.worker.queues.queues.get(q.id)?.doc.name, 'Sales');
      const list = await h.request('GET', `${Q}?_=${Date.now()}`, { token: h.token.agent });
      ok(list);
      assert.deepEqual(list.body.data, [{ id: q.id, name: 'Sales' }]);
      assert.equal(list.body.page_size, 1);
      assert.equal(typeof list.body.revision, 'string');
      const get = await h.request('GET', `${Q}/${q.id}`, { token: h.token.clerk });
      ok(get);
      assert.deepEqual(get.body.data, q);
    });

    it('POST replaces the document (the SDK sends the id it read back), PATCH merges and null clears', async () => {
      const other = h.worker.queues.add({ name: 'Overflow' });
      const q = h.worker.queues.add({ name: 'Sales', hold_treatment: 'media-1' });
      const put = await h.request('POST', `${Q}/${q.id}`, { token: h.token.api, body: { data: { ...q, name: 'Sales EU', timeout_redirect: other.id } } });
      ok(put);
      assert.equal(put.body.data.name, 'Sales EU');
      assert.equal(put.body.data.timeout_redirect, other.id);
      const patch = await h.request('PATCH', `${Q}/${q.id}`, { token: h.token.admin, body: { data: { queue_timeout: 120, timeout_redirect: null } } });
      ok(patch);
      assert.equal(patch.body.data.timeout, 120);
      assert.equal(patch.body.data.name, 'Sales EU');
      assert.ok(!('timeout_redirect' in patch.body.data));
      const bad = await h.request('PATCH', `${Q}/${q.id}`, { token: h.token.admin, body: { data: { timeout_redirect: q.id } } });
      refused(bad, 400);
      assert.ok(bad.body.data.timeout_redirect.not_self);
      const foreign = await h.request('POST', `${Q}/${q.id}`, { token: h.token.admin, body: { data: { name: 'x', id: newId() } } });
      refused(foreign, 400);
      assert.ok(foreign.body.data.id.read_only);
    });

    it('POST with If-Match (or ?rev=) of a stale revision → 409, the document unchanged', async () => {
      const q = h.worker.queues.add({ name: 'Sales' });
      const first = await h.request('POST', `${Q}/${q.id}`, { token: h.token.admin, headers: { 'If-Match': `"1-${'0'.repeat(32)}"` }, body: { data: { name: 'Sales 2' } } });
      ok(first);
      const stale = await h.request('POST', `${Q}/${q.id}?rev=1-${'0'.repeat(32)}`, { token: h.token.admin, body: { data: { name: 'Sales 3' } } });
      refused(stale, 409);
      assert.equal(h.worker.queues.queues.get(q.id)?.doc.name, 'Sales 2');
      assert.equal(h.worker.directoryRequests('queue_update').at(-1)?.body['rev'], `1-${'0'.repeat(32)}`);
    });

    it('DELETE answers the deleted document; then 404 bad identifier', async () => {
      const q = h.worker.queues.add({ name: 'Gone' });
      const del = await h.request('DELETE', `${Q}/${q.id}`, { token: h.token.admin, body: { data: {} } });
      ok(del);
      assert.equal(del.body.data.id, q.id);
      refused(await h.request('GET', `${Q}/${q.id}`, { token: h.token.admin }), 404, 'bad identifier');
    });

    it('unknown and non-hex queue ids → 404 bad identifier; status is not a queue', async () => {
      refused(await h.request('GET', `${Q}/${newId()}`, { token: h.token.admin }), 404, 'bad identifier');
      refused(await h.request('GET', `${Q}/nope`, { token: h.token.admin }), 404, 'bad identifier');
      // `status` is the account's queue statuses (routes/queue-process.ts), never read as a queue id
      const gets = h.worker.directoryRequests('queue_get').length;
      ok(await h.request('GET', `${Q}/status`, { token: h.token.admin }));
      assert.equal(h.worker.directoryRequests('queue_get').length, gets);
      refused(await h.request('POST', `${Q}/${newId()}/recipients`, { token: h.token.admin, body: { data: [] } }), 404, 'bad identifier');
    });

    it('another account\'s token → 403; no token → 401', async () => {
      refused(await h.request('GET', Q, { token: h.token.otherAccount }), 403);
      refused(await h.request('GET', Q), 401);
    });
  });

  describe('rosters and roles', () => {
    it('POST …/recipients sets the roster (either body form), GET reads it, DELETE clears it', async () => {
      const q = h.worker.queues.add({ name: 'Support' });
      const { agent, agent2 } = h.fixture;
      const set = await h.request('POST', `${Q}/${q.id}/recipients`, { token: h.token.admin, body: { data: [agent2.id, agent.id, agent.id] } });
      ok(set);
      assert.deepEqual(set.body.data, [agent.id, agent2.id].sort());
      const read = await h.request('GET', `${Q}/${q.id}/recipients?_=1`, { token: h.token.agent });
      ok(read);
      assert.deepEqual(read.body.data, [agent.id, agent2.id].sort());
      ok(await h.request('POST', `${Q}/${q.id}/recipients`, { token: h.token.admin, body: { data: { recipients: [agent.id], ui_metadata: { ui: 'monster-ui' } } } }));
      assert.deepEqual(h.worker.queues.queues.get(q.id)?.roster, [agent.id]);
      const all = await h.request('GET', `${Q}/recipients`, { token: h.token.agent });
      ok(all);
      assert.deepEqual(all.body.data, { [q.id]: [agent.id] });
      const membership = await h.request('POST', `${h.base}/qubicle_recipients/queue_membership`, { token: h.token.agent, body: { data: { recipient_ids: [agent.id, agent2.id] } } });
      ok(membership);
      assert.deepEqual(membership.body.data, { [agent.id]: [q.id], [agent2.id]: [] });
      const cleared = await h.request('DELETE', `${Q}/${q.id}/recipients`, { token: h.token.admin, body: { data: {} } });
      ok(cleared);
      assert.deepEqual(cleared.body.data, []);
      assert.deepEqual(h.worker.queues.queues.get(q.id)?.roster, []);
    });

    it('a roster naming a user of another account (or nobody) → 400, the roster unchanged', async () => {
      const q = h.worker.queues.add({ name: 'Support' }, [h.fixture.agent.id]);
      const stranger = newId();
      const res = await h.request('POST', `${Q}/${q.id}/recipients`, { token: h.token.admin, body: { data: [h.fixture.agent2.id, stranger] } });
      refused(res, 400, 'invalid data');
      assert.equal(res.body.data.recipients.unknown_recipient.cause, stranger);
      assert.deepEqual(h.worker.queues.queues.get(q.id)?.roster, [h.fixture.agent.id]);
    });

    it('a roster body that is not a list of ids, or too long, → 400 before the directory', async () => {
      const q = h.worker.queues.add({ name: 'Support' });
      const bad = await h.request('POST', `${Q}/${q.id}/recipients`, { token: h.token.admin, body: { data: [newId(), 'nope'] } });
      refused(bad, 400);
      assert.deepEqual(Object.keys(bad.body.data), ['recipients.1'], 'the list form names recipients too');
      assert.ok(bad.body.data['recipients.1'].pattern);
      const tooMany = Array.from({ length: MAX_QUEUE_ROSTER + 1 }, () => newId());
      const long = await h.request('POST', `${Q}/${q.id}/recipients`, { token: h.token.admin, body: { data: tooMany } });
      refused(long, 400);
      assert.ok(long.body.data.recipients.maxItems);
      assert.equal(h.worker.directoryRequests('queue_roster_set').length, 0);
    });

    it('a manager of the queue may set and clear its roster; a plain user may not; only admins set roles', async () => {
      const q = h.worker.queues.add({ name: 'Support' });
      const other = h.worker.queues.add({ name: 'Other' });
      refused(await h.request('POST', `${Q}/${q.id}/roles`, { token: h.token.agent, body: { data: { managers: [h.fixture.agent.id] } } }), 403);
      refused(await h.request('POST', `${Q}/${q.id}/recipients`, { token: h.token.agent, body: { data: [h.fixture.agent.id] } }), 403);
      const roles = await h.request('POST', `${Q}/${q.id}/roles`, { token: h.token.admin, body: { data: { managers: [h.fixture.agent.id], ui_metadata: { ui: 'monster-ui' } } } });
      ok(roles);
      assert.deepEqual(roles.body.data, { managers: [h.fixture.agent.id] });
      ok(await h.request('POST', `${Q}/${q.id}/recipients`, { token: h.token.agent, body: { data: [h.fixture.agent2.id] } }));
      assert.deepEqual(h.worker.queues.queues.get(q.id)?.roster, [h.fixture.agent2.id]);
      ok(await h.request('DELETE', `${Q}/${q.id}/recipients`, { token: h.token.agent, body: { data: {} } }));
      refused(await h.request('POST', `${Q}/${other.id}/recipients`, { token: h.token.agent, body: { data: [h.fixture.agent2.id] } }), 403, 'forbidden');
      refused(await h.request('PATCH', `${Q}/${q.id}`, { token: h.token.agent, body: { data: { name: 'Mine' } } }), 403);
    });

    it('queue_membership without ids lists every member; a bad body → 400', async () => {
      const q = h.worker.queues.add({ name: 'Support' }, [h.fixture.agent.id]);
      const all = await h.request('POST', `${h.base}/qubicle_recipients/queue_membership`, { token: h.token.admin, body: { data: {} } });
      ok(all);
      assert.deepEqual(all.body.data, { [h.fixture.agent.id]: [q.id] });
      refused(await h.request('POST', `${h.base}/qubicle_recipients/queue_membership`, { token: h.token.admin, body: { data: { recipient_ids: 'x' } } }), 400);
    });
  });
});
