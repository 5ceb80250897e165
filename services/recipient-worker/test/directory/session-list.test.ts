import assert from 'node:assert/strict';
import { newKazooId, type AccountView, type RecipientStats, type SessionListReply, type UserDocReply } from '@qubicle/contracts';
import type { SessionRecord } from '@qubicle/contracts';
import { makeHarness, userWrite, type Harness } from './support/harness.js';
import { STORE_FACTORIES } from './support/stores.js';

const stats = (total: number): RecipientStats => ({ total_calls: total, missed_calls: 0, avg_call_time: 0, login_time: 1, last_action_time: 2, last_handled_time: 0 });

for (const factory of STORE_FACTORIES) {
  describe(`directory session_list / account_find [${factory.name}]`, () => {
    let h: Harness;
    let recipient: string;
    beforeEach(async () => {
      h = await makeHarness(factory);
      recipient = (await h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite({ qubicle: { enabled: true } }) })).doc.id;
    });
    afterEach(async () => {
      await h.store.close();
    });

    const session = (id: string, logout: number, over: Partial<SessionRecord> = {}): SessionRecord => ({
      account_id: h.account.id,
      recipient_id: recipient,
      login_session_id: id,
      login_time: logout - 100,
      logout_time: logout,
      stats: stats(logout % 7),
      node: 'node-a',
      ...over,
    });
    const page = (limit: number, start_key?: string) =>
      h.ok<SessionListReply>({ type: 'session_list', account_id: h.account.id, recipient_id: recipient, limit, ...(start_key ? { start_key } : {}) });

    it('newest first; ties in the same second ordered by session id; paged without gaps or repeats', async () => {
      // 7 sessions, 4 of them ending in the same second (1000), appended in a scrambled order
      const ids = ['s-c', 's-a', 's-d', 's-b'];
      for (const id of ids) await h.store.appendSession(session(id, 1000));
      await h.store.appendSession(session('s-old', 900, { reason: 'end_of_shift' }));
      await h.store.appendSession(session('s-new', 1100));
      await h.store.appendSession(session('s-mid', 1050));
      const expected = ['s-new', 's-mid', 's-d', 's-c', 's-b', 's-a', 's-old'];

      const whole = await page(50);
      assert.deepEqual(whole.sessions.map((s) => s.login_session_id), expected);
      assert.equal(whole.next_start_key, undefined);
      assert.deepEqual(whole.sessions[6], { login_session_id: 's-old', login_time: 800, logout_time: 900, stats: stats(900 % 7), node: 'node-a', reason: 'end_of_shift' });

      for (const size of [1, 2, 3]) {
        const seen: string[] = [];
        let key: string | undefined;
        let pages = 0;
        do {
          const p = await page(size, key);
          assert.ok(p.sessions.length <= size);
          seen.push(...p.sessions.map((s) => s.login_session_id));
          key = p.next_start_key;
          pages++;
        } while (key !== undefined && pages < 20);
        assert.deepEqual(seen, expected, `page size ${size}`);
        assert.equal(pages, Math.ceil(expected.length / size));
      }
      // the start key is the first session of the next page (inclusive)
      const first = await page(3);
      assert.equal(first.next_start_key, '1000:s-c');
      assert.deepEqual((await page(1, '1000:s-c')).sessions.map((s) => s.login_session_id), ['s-c']);
    });

    it('more sessions in the cursor second than one read brings are still all listed', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `tie-${String(i).padStart(2, '0')}`);
      for (const id of ids) await h.store.appendSession(session(id, 5000));
      const p1 = await page(2);
      const p2 = await page(20, p1.next_start_key);
      const p3 = await page(20, p2.next_start_key);
      const all = [...p1.sessions, ...p2.sessions, ...p3.sessions].map((s) => s.login_session_id);
      assert.deepEqual(all, [...ids].reverse());
      assert.equal(p3.next_start_key, undefined);
    });

    it('only that recipient of that account; unknown user → not_found; a malformed start key is refused', async () => {
      const other = (await h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite({ first_name: 'B' }) })).doc.id;
      await h.store.appendSession(session('mine', 10));
      await h.store.appendSession(session('theirs', 11, { recipient_id: other }));
      assert.deepEqual((await page(10)).sessions.map((s) => s.login_session_id), ['mine']);
      const unknown = newKazooId();
      assert.deepEqual(await h.fail({ type: 'session_list', account_id: h.account.id, recipient_id: unknown, limit: 5 }), {
        code: 'not_found',
        message: 'bad identifier',
        cause: unknown,
      });
      assert.equal((await h.fail({ type: 'session_list', account_id: h.account.id, recipient_id: recipient, limit: 5, start_key: 'nope' })).code, 'invalid_message');
      assert.equal((await h.fail({ type: 'session_list', account_id: h.account.id, recipient_id: recipient, limit: 0 })).code, 'invalid_message');
    });

    it('account_find: by name, case-insensitive, without the api key; unknown name → not_found', async () => {
      const view = await h.ok<AccountView>({ type: 'account_find', name: h.account.name.toUpperCase() });
      assert.deepEqual(view, { id: h.account.id, name: h.account.name, features: { pro: true }, qubicle: { missed_call_threshold: 3 } });
      assert.equal((await h.fail({ type: 'account_find', name: 'no such account' })).code, 'not_found');
    });
  });
}
