import assert from 'node:assert/strict';
import { shardOf, shardQueue } from '@qubicle/contracts';
import { newId } from '../support/fixtures.js';
import type { Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

describe('routes/bulk-status (POST /qubicle_recipients/status)', () => {
  let h: Harness;
  let STATUS: string;
  harnessEachTest((started) => {
    h = started;
    STATUS = `${h.base}/qubicle_recipients/status`;
  }, { shardCount: 8 });

  describe('query', () => {
    it('answers each recipient in request order: status or "not_logged_in"', async () => {
      const { agent, agent2, admin } = h.fixture;
      h.worker.login(agent.id, { availability_state: 'Ready', available: true });
      h.worker.login(admin.id);
      const ids = [agent2.id, agent.id, admin.id];
      const res = await h.request('POST', `${STATUS}?_=5`, { token: h.token.agent2, body: { data: { recipient_ids: ids, ui_metadata: { ui: 'x' } } } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'request_id', 'status']);
      assert.equal(res.body.status, 'success');
      assert.deepEqual(Object.keys(res.body.data), ids);
      assert.equal(res.body.data[agent2.id], 'not_logged_in');
      assert.equal(res.body.data[agent.id].availability_state, 'Ready');
      assert.equal(res.body.data[admin.id].availability_state, 'Away');
    });

    it('sends ONE get_status_many per shard, each to its shard queue, in parallel', async () => {
      const account = h.fixture.account.id;
      const ids = Array.from({ length: 40 }, () => newId());
      const res = await h.request('POST', STATUS, { token: h.token.agent, body: { data: { recipient_ids: ids } } });
      assert.equal(res.status, 200, res.text);
      assert.ok(ids.every((id) => res.body.data[id] === 'not_logged_in'));

      const expected = new Map<string, string[]>();
      for (const id of ids) {
        const q = shardQueue(shardOf(account, id, 8));
        expected.set(q, [...(expected.get(q) ?? []), id]);
      }
      const sent = h.worker.commands();
      assert.ok(sent.every((c) => c.body['type'] === 'get_status_many'));
      assert.equal(sent.length, expected.size, 'one message per shard');
      assert.equal(new Set(sent.map((c) => c.queue)).size, sent.length, 'never two for one shard');
      for (const c of sent) {
        assert.deepEqual(c.body['recipient_ids'], expected.get(c.queue));
        assert.equal(c.body['shard_count'], 8);
        assert.equal(c.body['account_id'], account);
      }
    });

    it('400 invalid data: recipient_ids not an array, not hex, empty, missing', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ data: { recipient_ids: h.fixture.agent.id } }, 'recipient_ids', 'type'],
        [{ data: { recipient_ids: ['nope'] } }, 'recipient_ids.0', 'pattern'],
        [{ data: { recipient_ids: [] } }, 'recipient_ids', 'minItems'],
        [{ data: { recipient_ids: [h.fixture.agent.id, h.fixture.agent.id] } }, 'recipient_ids', 'uniqueItems'],
        [{ data: {} }, 'recipient_ids', 'required'],
      ];
      for (const [body, field, rule] of cases) {
        const res = await h.request('POST', STATUS, { token: h.token.agent, body });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.message, 'invalid data');
        assert.ok(res.body.data[field]?.[rule], `${JSON.stringify(body)} → ${res.text}`);
      }
      assert.deepEqual(h.worker.traffic, []);
    });
  });

  describe('set ("set_status": true)', () => {
    it('applies global before the queue keys, per recipient, and answers ok/error per key', async () => {
      const { agent, agent2 } = h.fixture;
      const q1 = newId();
      const q2 = newId();
      h.worker.login(agent2.id);
      // the worker refuses q2 for agent2
      h.worker.overrides.set('set_status', (m) => {
        const b = m.body as Record<string, unknown>;
        return b['recipient_id'] === agent2.id && b['queue_id'] === q2
          ? { ok: false, error: { code: 'invalid_transition', message: 'no', state: 'Away', command: 'set_status' } }
          : undefined;
      });
      const body = {
        data: {
          set_status: true,
          // queue keys before "global" in the body: global must still go first
          [agent.id]: { [q1]: 'away', global: 'login' },
          [agent2.id]: { global: 'ready', [q1]: 'ready', [q2]: 'away' },
          ui_metadata: { ui: 'monster-ui' },
        },
      };
      const res = await h.request('POST', STATUS, { token: h.token.admin, body });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'request_id', 'status']);
      assert.deepEqual(res.body.data, {
        [agent.id]: { global: 'ok', [q1]: 'ok' },
        [agent2.id]: { global: 'ok', [q1]: 'ok', [q2]: 'error' },
      });

      const of = (rid: string) =>
        h.worker
          .commands()
          .filter((c) => c.body['recipient_id'] === rid)
          .map((c) => [c.body['type'], c.body['status'], c.body['queue_id']]);
      assert.deepEqual(of(agent.id), [
        ['login', undefined, undefined],
        ['set_status', 'away', q1],
      ]);
      assert.deepEqual(of(agent2.id), [
        ['set_status', 'ready', undefined],
        ['set_status', 'ready', q1],
        ['set_status', 'away', q2],
      ]);
    });

    it('global logout is a logout command; a queue key after it fails as not logged in', async () => {
      const { agent } = h.fixture;
      const q = newId();
      h.worker.login(agent.id);
      const res = await h.request('POST', STATUS, { token: h.token.agent, body: { data: { set_status: true, [agent.id]: { global: 'logout', [q]: 'ready' } } } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, { [agent.id]: { global: 'ok', [q]: 'error' } });
      assert.deepEqual(
        h.worker.commands().map((c) => c.body['type']),
        ['logout', 'set_status'],
      );
    });

    it('400 invalid data for bad entries, and nothing sent', async () => {
      const { agent } = h.fixture;
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ [agent.id]: { global: 'sleep' } }, `${agent.id}.global`, 'enum'],
        [{ [agent.id]: { [newId()]: 'login' } }, `${agent.id}`, 'enum'],
        [{ [agent.id]: { queue1: 'ready' } }, `${agent.id}.queue1`, 'additionalProperties'],
        [{ 'not-a-recipient': { global: 'ready' } }, 'not-a-recipient', 'additionalProperties'],
        [{ [agent.id]: 'ready' }, agent.id, 'type'],
        [{}, 'data', 'minProperties'],
      ];
      for (const [entries, field, rule] of cases) {
        const res = await h.request('POST', STATUS, { token: h.token.admin, body: { data: { set_status: true, ...entries } } });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.message, 'invalid data');
        const hit = Object.keys(res.body.data).some((f) => f.startsWith(field) && res.body.data[f][rule]);
        assert.ok(hit, `${JSON.stringify(entries)} → expected ${field}.${rule}: ${res.text}`);
      }
      assert.deepEqual(h.worker.traffic, []);
    });

    it('403 for a plain user naming anyone else: nothing applied, not even their own entry', async () => {
      const { agent, agent2 } = h.fixture;
      const res = await h.request('POST', STATUS, {
        token: h.token.agent,
        body: { data: { set_status: true, [agent.id]: { global: 'login' }, [agent2.id]: { global: 'login' } } },
      });
      assert.equal(res.status, 403, res.text);
      assert.equal(res.body.message, 'forbidden');
      // only the look-up of the queues the others are on (a manager may set their members); no command
      assert.deepEqual(h.worker.traffic.map((t) => (t.body as { type: string }).type), ['queue_membership']);
    });

    it('a plain user may bulk-set themselves', async () => {
      const res = await h.request('POST', STATUS, { token: h.token.agent, body: { data: { set_status: true, [h.fixture.agent.id]: { global: 'login' } } } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, { [h.fixture.agent.id]: { global: 'ok' } });
    });

    it('503 when nothing could be delivered (bus down)', async () => {
      h.bus.simulateDisconnect();
      const res = await h.request('POST', STATUS, { token: h.token.admin, body: { data: { set_status: true, [h.fixture.agent.id]: { global: 'login' } } } });
      assert.equal(res.status, 503, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(res.body.error, '503');
    });
  });
});
