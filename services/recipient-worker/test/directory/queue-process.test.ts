/**
 * The directory's queue writes reach the running queues (directory/queue-process.ts): after each
 * write the queue's shard is sent ensure_queues_started (create, update, patch, roster set/clear,
 * a deleted user's rosters) or stop_queue (delete); a failure to tell the process is logged and
 * does not fail the write (the store write is what counts). And StoreQueueDocs reads what the
 * directory wrote.
 */
import assert from 'node:assert/strict';
import { shardOf, shardQueue, type QueueDocReply, type UserDocReply } from '@qubicle/contracts';
import { StoreQueueDocs } from '../../src/queue/runtime/index.js';
import { makeHarness, SHARD_COUNT, userWrite, type Harness } from './support/harness.js';
import { STORE_FACTORIES } from './support/stores.js';

for (const factory of STORE_FACTORIES) {
  describe(`directory: queue writes tell the queue's process [${factory.name}]`, () => {
    let h: Harness;
    let calls: Array<{ queue: string; body: any }>;
    let failing: boolean;
    let agent: string;
    beforeEach(async () => {
      calls = [];
      failing = false;
      h = await makeHarness(factory, {
        bus: {
          async call(queue, body) {
            calls.push({ queue, body });
            if (failing) throw new Error('no worker answered');
            const b = body as { type: string; queue_ids?: string[] };
            if (b.type === 'ensure_queues_started') return { ok: true, data: Object.fromEntries((b.queue_ids ?? []).map((q) => [q, { node: 'n', started: false }])) };
            if (b.type === 'stop_queue') return { ok: true, data: { stopped: true } };
            return { ok: true, data: {} };
          },
          async publish() {},
        },
      });
      agent = (await h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite({ username: 'a1', qubicle: { enabled: true } }) })).doc.id;
    });
    afterEach(async () => {
      await h.store.close();
    });

    const A = () => h.account.id;
    const sent = () => calls.map((c) => [c.body.type, c.body.queue_ids ?? c.body.queue_id, c.queue]);

    it('create, update, patch, roster set and clear: ensure_queues_started on the queue’s shard; delete: stop_queue', async () => {
      const q = (await h.ok<QueueDocReply>({ type: 'queue_create', account_id: A(), queue: { name: 'Sales' } })).doc.id;
      const shard = shardQueue(shardOf(A(), q, SHARD_COUNT));
      await h.ok({ type: 'queue_update', account_id: A(), queue_id: q, queue: { name: 'Sales 2' } });
      await h.ok({ type: 'queue_patch', account_id: A(), queue_id: q, patch: { ring_timeout: 9 } });
      await h.ok({ type: 'queue_roster_set', account_id: A(), queue_id: q, recipients: [agent] });
      await h.ok({ type: 'queue_roster_clear', account_id: A(), queue_id: q });
      await h.ok({ type: 'queue_delete', account_id: A(), queue_id: q });
      const ensure = ['ensure_queues_started', [q], shard];
      assert.deepEqual(sent(), [ensure, ensure, ensure, ensure, ensure, ['stop_queue', q, shard]]);
      for (const c of calls) {
        assert.equal(c.body.account_id, A());
        assert.equal(c.body.shard_count, SHARD_COUNT);
        assert.deepEqual(c.body.by, { service: 'qubicle.directory' });
      }
    });

    it('a refused write tells nobody; reads tell nobody', async () => {
      const q = (await h.ok<QueueDocReply>({ type: 'queue_create', account_id: A(), queue: { name: 'Sales' } })).doc.id;
      calls = [];
      await h.fail({ type: 'queue_roster_set', account_id: A(), queue_id: q, recipients: ['f0000000000000000000000000000000'] });
      await h.fail({ type: 'queue_update', account_id: A(), queue_id: q, queue: { name: 'x' }, rev: '1-00000000000000000000000000000000' });
      await h.ok({ type: 'queue_get', account_id: A(), queue_id: q });
      await h.ok({ type: 'queue_roster_get', account_id: A(), queue_id: q });
      assert.deepEqual(calls, []);
    });

    it('a deleted user: the queues whose roster named them take the new roster', async () => {
      const q1 = (await h.ok<QueueDocReply>({ type: 'queue_create', account_id: A(), queue: { name: 'One' } })).doc.id;
      await h.ok<QueueDocReply>({ type: 'queue_create', account_id: A(), queue: { name: 'Two' } });
      await h.ok({ type: 'queue_roster_set', account_id: A(), queue_id: q1, recipients: [agent] });
      calls = [];
      await h.ok({ type: 'user_delete', account_id: A(), user_id: agent });
      assert.deepEqual(sent().filter(([t]) => t === 'ensure_queues_started'), [['ensure_queues_started', [q1], shardQueue(shardOf(A(), q1, SHARD_COUNT))]]);
    });

    it('the queue’s process cannot be told: the write still succeeds, a warning is logged', async () => {
      failing = true;
      const created = await h.call({ type: 'queue_create', account_id: A(), queue: { name: 'Sales' } });
      assert.ok(created.ok, JSON.stringify(created));
      const q = (created.data as QueueDocReply).doc.id;
      assert.ok((await h.call({ type: 'queue_delete', account_id: A(), queue_id: q })).ok);
      assert.equal(calls.length, 2);
      const warnings = h.logs.filter((l) => l.level === 'warn' && /queue process not told/.test(l.msg ?? ''));
      assert.equal(warnings.length, 2);
    });

    it('StoreQueueDocs reads the document (without its id) and the roster the directory wrote', async () => {
      const q = (await h.ok<QueueDocReply>({ type: 'queue_create', account_id: A(), queue: { queue_name: 'Old names', agent_connect_timeout: 7 } })).doc.id;
      await h.ok({ type: 'queue_roster_set', account_id: A(), queue_id: q, recipients: [agent] });
      const docs = new StoreQueueDocs(h.store);
      const view = await docs.get(A(), q);
      assert.ok(view);
      assert.equal(view.doc.name, 'Old names');
      assert.equal(view.doc.ring_timeout, 7);
      assert.ok(!('id' in view.doc));
      assert.deepEqual(view.members, [agent]);
      assert.deepEqual(await docs.list(A()), [q]);
      assert.equal(await docs.get(A(), 'f0000000000000000000000000000000'), null);
      assert.deepEqual(await docs.list('f0000000000000000000000000000000'), []);
    });
  });
}
