/**
 * The directory's queue requests (documents, rosters, roles, membership) through the real handler,
 * on the memory and SQLite stores: the rules of directory/queues.ts and every reply shape.
 */
import assert from 'node:assert/strict';
import {
  MAX_QUEUES_PER_ACCOUNT,
  MAX_QUEUES_PER_RECIPIENT,
  newKazooId,
  type QueueDocReply,
  type QueueListItem,
  type QueueRoles,
  type QueueRosterReply,
  type UserDocReply,
} from '@qubicle/contracts';
import { makeHarness, userWrite, type Harness } from './support/harness.js';
import { STORE_FACTORIES } from './support/stores.js';

for (const factory of STORE_FACTORIES) {
  describe(`directory: queues [${factory.name}]`, () => {
    let h: Harness;
    let agent: string;
    let agent2: string;
    beforeEach(async () => {
      h = await makeHarness(factory);
      agent = (await h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite({ username: 'a1', qubicle: { enabled: true } }) })).doc.id;
      agent2 = (await h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite({ username: 'a2', qubicle: { enabled: true } }) })).doc.id;
    });
    afterEach(async () => {
      await h.store.close();
    });

    const create = (queue: Record<string, unknown>, accountId = h.account.id) => h.ok<QueueDocReply>({ type: 'queue_create', account_id: accountId, queue });
    const rosterOf = (queueId: string) => h.ok<QueueRosterReply>({ type: 'queue_roster_get', account_id: h.account.id, queue_id: queueId });

    describe('documents', () => {
      it('create normalises (older names, defaults), list answers [{id, name}] by name', async () => {
        const b = await create({ queue_name: 'billing', agent_connect_timeout: 12 });
        const a = await create({ name: 'Accounts', queue_router: 'route_most_idle' });
        assert.equal(b.doc.name, 'billing');
        assert.equal(b.doc.ring_timeout, 12);
        assert.equal(b.doc.timeout, 600);
        assert.ok(!('queue_name' in b.doc));
        assert.match(b.rev, /^1-/);
        assert.deepEqual(await h.ok<QueueListItem[]>({ type: 'queue_list', account_id: h.account.id }), [
          { id: a.doc.id, name: 'Accounts' },
          { id: b.doc.id, name: 'billing' },
        ]);
        assert.deepEqual(await h.ok({ type: 'queue_get', account_id: h.account.id, queue_id: a.doc.id }), a);
      });

      it('fields out of bounds are an invalid message (the contract holds the bounds); a missing name or a conflicting pair → invalid_data; nothing created', async () => {
        const bounds = await h.fail({ type: 'queue_create', account_id: h.account.id, queue: { name: 'x', ring_timeout: 0, timeout: 5 } });
        assert.ok(bounds.code === 'invalid_message' && bounds.details?.['queue.ring_timeout']?.['minimum'] && bounds.details['queue.timeout']?.['minimum']);
        const missing = await h.fail({ type: 'queue_create', account_id: h.account.id, queue: { ring_timeout: 5 } });
        assert.ok(missing.code === 'invalid_data' && missing.details['name']?.['required']);
        const pair = await h.fail({ type: 'queue_create', account_id: h.account.id, queue: { name: 'a', queue_name: 'b' } });
        assert.ok(pair.code === 'invalid_data' && pair.details['queue_name']?.['conflict']);
        assert.deepEqual(await h.ok({ type: 'queue_list', account_id: h.account.id }), []);
      });

      it('timeout_redirect must name another queue of the account', async () => {
        const elsewhere = await h.store.createQueue(newKazooId(), { ...(await create({ name: 'tmp' })).doc, id: newKazooId() });
        const err = await h.fail({ type: 'queue_create', account_id: h.account.id, queue: { name: 'x', timeout_redirect: elsewhere.doc.id } });
        assert.ok(err.code === 'invalid_data' && err.details['timeout_redirect']?.['unknown_queue']);
        const target = await create({ name: 'overflow' });
        const ok = await create({ name: 'main', timeout_redirect: target.doc.id });
        assert.equal(ok.doc.timeout_redirect, target.doc.id);
      });

      it('update replaces (defaults for what it omits), a stale rev → conflict; patch merges, null clears', async () => {
        const q = await create({ name: 'one', tick_time: 500, hold_treatment: 'media' });
        const up = await h.ok<QueueDocReply>({ type: 'queue_update', account_id: h.account.id, queue_id: q.doc.id, queue: { name: 'two' }, rev: q.rev });
        assert.equal(up.doc.tick_time, 1000);
        assert.ok(!('hold_treatment' in up.doc));
        const stale = await h.fail({ type: 'queue_update', account_id: h.account.id, queue_id: q.doc.id, queue: { name: 'three' }, rev: q.rev });
        assert.deepEqual(stale, { code: 'conflict', message: 'conflicting documents', cause: q.doc.id });
        const p = await h.ok<QueueDocReply>({ type: 'queue_patch', account_id: h.account.id, queue_id: q.doc.id, patch: { queue_timeout: 60, hold_treatment: 'moh' } });
        assert.equal(p.doc.name, 'two');
        assert.equal(p.doc.timeout, 60);
        assert.equal(p.doc.hold_treatment, 'moh');
        const target = await create({ name: 'overflow' });
        const redirected = await h.ok<QueueDocReply>({ type: 'queue_patch', account_id: h.account.id, queue_id: q.doc.id, patch: { timeout_redirect: target.doc.id } });
        assert.equal(redirected.doc.timeout_redirect, target.doc.id);
        const cleared = await h.ok<QueueDocReply>({ type: 'queue_patch', account_id: h.account.id, queue_id: q.doc.id, patch: { timeout_redirect: null } });
        assert.ok(!('timeout_redirect' in cleared.doc));
        const self = await h.fail({ type: 'queue_patch', account_id: h.account.id, queue_id: q.doc.id, patch: { timeout_redirect: q.doc.id } });
        assert.ok(self.code === 'invalid_data' && self.details['timeout_redirect']?.['not_self']);
      });

      it('unknown queue → not_found bad identifier (cause: the id) on every per-queue request', async () => {
        const id = newKazooId();
        const base = { account_id: h.account.id, queue_id: id };
        for (const body of [
          { type: 'queue_get', ...base },
          { type: 'queue_update', ...base, queue: { name: 'x' } },
          { type: 'queue_patch', ...base, patch: { name: 'x' } },
          { type: 'queue_delete', ...base },
          { type: 'queue_roster_get', ...base },
          { type: 'queue_roster_set', ...base, recipients: [] },
          { type: 'queue_roster_clear', ...base },
          { type: 'queue_roles_get', ...base },
          { type: 'queue_roles_set', ...base, roles: { managers: [] } },
        ]) {
          assert.deepEqual(await h.fail(body), { code: 'not_found', message: 'bad identifier', cause: id }, body.type);
        }
        assert.equal((await h.fail({ type: 'queue_list', account_id: newKazooId() })).code, 'not_found');
      });

      it('a queue of another account is not found through this one', async () => {
        const other = newKazooId();
        await h.store.createAccount({ ...h.account, id: other, name: `other ${other.slice(0, 6)}`, api_key: newKazooId() });
        const q = await create({ name: 'theirs' }, other);
        assert.equal((await h.fail({ type: 'queue_get', account_id: h.account.id, queue_id: q.doc.id })).code, 'not_found');
        assert.equal((await h.fail({ type: 'queue_delete', account_id: h.account.id, queue_id: q.doc.id })).code, 'not_found');
      });

      it('delete answers the document and takes the roster and roles with it', async () => {
        const q = await create({ name: 'gone' });
        await h.ok({ type: 'queue_roster_set', account_id: h.account.id, queue_id: q.doc.id, recipients: [agent] });
        await h.ok({ type: 'queue_roles_set', account_id: h.account.id, queue_id: q.doc.id, roles: { managers: [agent] } });
        assert.deepEqual(await h.ok({ type: 'queue_delete', account_id: h.account.id, queue_id: q.doc.id }), q);
        assert.deepEqual(await h.ok({ type: 'queue_membership', account_id: h.account.id, recipient_ids: [agent] }), { [agent]: [] });
        assert.equal(await h.store.getQueueRoles(h.account.id, q.doc.id), null);
      });

      it(`an account holds at most MAX_QUEUES_PER_ACCOUNT (${MAX_QUEUES_PER_ACCOUNT}) queues`, async function () {
        this.timeout(30_000);
        const template = (await create({ name: 'q0' })).doc;
        for (let i = 1; i < MAX_QUEUES_PER_ACCOUNT; i++) await h.store.createQueue(h.account.id, { ...template, id: newKazooId(), name: `q${i}` });
        const err = await h.fail({ type: 'queue_create', account_id: h.account.id, queue: { name: 'one too many' } });
        assert.ok(err.code === 'invalid_data' && err.details['queues']?.['maximum']);
      });
    });

    describe('rosters', () => {
      it('set, get, clear; the reply is sorted without duplicates', async () => {
        const q = await create({ name: 'support' });
        const set = await h.ok<QueueRosterReply>({ type: 'queue_roster_set', account_id: h.account.id, queue_id: q.doc.id, recipients: [agent2, agent, agent2] });
        assert.deepEqual(set, { queue_id: q.doc.id, recipients: [agent, agent2].sort() });
        assert.deepEqual(await rosterOf(q.doc.id), set);
        assert.deepEqual(await h.ok({ type: 'queue_roster_clear', account_id: h.account.id, queue_id: q.doc.id }), { queue_id: q.doc.id, recipients: [] });
        assert.deepEqual((await rosterOf(q.doc.id)).recipients, []);
      });

      it('a roster naming another account\'s user, a non-recipient or nobody → invalid_data, the roster unchanged', async () => {
        const q = await create({ name: 'support' });
        await h.ok({ type: 'queue_roster_set', account_id: h.account.id, queue_id: q.doc.id, recipients: [agent] });
        const other = newKazooId();
        await h.store.createAccount({ ...h.account, id: other, name: `other ${other.slice(0, 6)}`, api_key: newKazooId() });
        const foreign = (await h.ok<UserDocReply>({ type: 'user_create', account_id: other, user: userWrite({ username: 'x', qubicle: { enabled: true } }) })).doc.id;
        const clerk = (await h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite({ username: 'clerk' }) })).doc.id;
        for (const bad of [foreign, clerk, newKazooId()]) {
          const err = await h.fail({ type: 'queue_roster_set', account_id: h.account.id, queue_id: q.doc.id, recipients: [agent2, bad] });
          assert.equal(err.code, 'invalid_data');
          assert.ok(err.code === 'invalid_data');
          assert.equal(err.details['recipients']?.['unknown_recipient']?.cause, bad);
          assert.deepEqual((await rosterOf(q.doc.id)).recipients, [agent], 'nothing changed');
        }
      });

      it(`a recipient may be on at most MAX_QUEUES_PER_RECIPIENT (${MAX_QUEUES_PER_RECIPIENT}) queues (the bound of their per-queue flags)`, async function () {
        this.timeout(30_000);
        const template = (await create({ name: 'q' })).doc;
        const ids: string[] = [];
        for (let i = 0; i < MAX_QUEUES_PER_RECIPIENT; i++) {
          const id = newKazooId();
          await h.store.createQueue(h.account.id, { ...template, id, name: `q${i}` });
          await h.store.setRoster(h.account.id, id, [agent]);
          ids.push(id);
        }
        // setting the roster of a queue they are already on again is fine
        await h.ok({ type: 'queue_roster_set', account_id: h.account.id, queue_id: ids[0], recipients: [agent, agent2] });
        const err = await h.fail({ type: 'queue_roster_set', account_id: h.account.id, queue_id: template.id, recipients: [agent] });
        assert.ok(err.code === 'invalid_data' && err.details['recipients']?.['max_queues']?.cause === agent);
      });

      it('a deleted user is taken off every roster and manager list; a disabled recipient stays a member, may be resent, not newly added', async () => {
        const a = await create({ name: 'A' });
        const b = await create({ name: 'B' });
        await h.ok({ type: 'queue_roster_set', account_id: h.account.id, queue_id: a.doc.id, recipients: [agent, agent2] });
        await h.ok({ type: 'queue_roles_set', account_id: h.account.id, queue_id: a.doc.id, roles: { managers: [agent, agent2] } });
        await h.ok({ type: 'user_delete', account_id: h.account.id, user_id: agent2 });
        assert.deepEqual((await rosterOf(a.doc.id)).recipients, [agent]);
        assert.deepEqual(await h.ok({ type: 'queue_roles_get', account_id: h.account.id, queue_id: a.doc.id }), { managers: [agent] });

        await h.ok({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: agent, enabled: false });
        assert.deepEqual((await rosterOf(a.doc.id)).recipients, [agent], 'disabling keeps the membership');
        await h.ok({ type: 'queue_roster_set', account_id: h.account.id, queue_id: a.doc.id, recipients: [agent] });
        const err = await h.fail({ type: 'queue_roster_set', account_id: h.account.id, queue_id: b.doc.id, recipients: [agent] });
        assert.ok(err.code === 'invalid_data' && err.details['recipients']?.['unknown_recipient']?.cause === agent, 'not added where they were not');
      });

      it('all rosters and the membership of recipients', async () => {
        const a = await create({ name: 'A' });
        const b = await create({ name: 'B' });
        await h.ok({ type: 'queue_roster_set', account_id: h.account.id, queue_id: a.doc.id, recipients: [agent, agent2] });
        await h.ok({ type: 'queue_roster_set', account_id: h.account.id, queue_id: b.doc.id, recipients: [agent] });
        assert.deepEqual(await h.ok({ type: 'queue_roster_all', account_id: h.account.id }), { [a.doc.id]: [agent, agent2].sort(), [b.doc.id]: [agent] });
        assert.deepEqual(await h.ok({ type: 'queue_membership', account_id: h.account.id }), { [agent]: [a.doc.id, b.doc.id].sort(), [agent2]: [a.doc.id] });
        const nobody = newKazooId();
        assert.deepEqual(await h.ok({ type: 'queue_membership', account_id: h.account.id, recipient_ids: [agent2, nobody] }), { [agent2]: [a.doc.id], [nobody]: [] });
      });
    });

    describe('roles', () => {
      it('managers are users of the account; get answers them, sorted', async () => {
        const q = await create({ name: 'support' });
        assert.deepEqual(await h.ok<QueueRoles>({ type: 'queue_roles_get', account_id: h.account.id, queue_id: q.doc.id }), { managers: [] });
        assert.deepEqual(await h.ok({ type: 'queue_roles_set', account_id: h.account.id, queue_id: q.doc.id, roles: { managers: [agent2, agent] } }), { managers: [agent, agent2].sort() });
        const stranger = newKazooId();
        const err = await h.fail({ type: 'queue_roles_set', account_id: h.account.id, queue_id: q.doc.id, roles: { managers: [stranger] } });
        assert.ok(err.code === 'invalid_data' && err.details['managers']?.['unknown_user']?.cause === stranger);
        assert.deepEqual(await h.ok({ type: 'queue_roles_get', account_id: h.account.id, queue_id: q.doc.id }), { managers: [agent, agent2].sort() });
      });
    });

    it('a malformed queue message → invalid_message, nothing stored', async () => {
      const err = await h.fail({ type: 'queue_roster_set', account_id: h.account.id, queue_id: 'nope', recipients: 'x' });
      assert.equal(err.code, 'invalid_message');
    });
  });
}
