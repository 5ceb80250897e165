import assert from 'node:assert/strict';
import {
  newKazooId,
  type AccountView,
  type AuthIdentity,
  type ClusterInfo,
  type RecipientListItem,
  type UserDocReply,
  type UserListItem,
} from '@qubicle/contracts';
import { credentialsOf } from '../../src/directory/credentials.js';
import { makeHarness, SHARD_COUNT, userWrite, type Harness } from './support/harness.js';
import { STORE_FACTORIES } from './support/stores.js';

for (const factory of STORE_FACTORIES) {
  describe(`directory handler [${factory.name}]`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await makeHarness(factory);
    });
    afterEach(async () => {
      await h.store.close();
    });

    const create = (user: Record<string, unknown>) =>
      h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite(user) });
    const authUser = (username: string, password: string, accountName = h.account.name) =>
      h.call({ type: 'auth_user', account_name: accountName, credentials: credentialsOf(username, password) });

    describe('auth_user', () => {
      it('returns the identity of the user whose md5 credentials match (account name case-insensitive)', async () => {
        const { doc } = await create({ username: 'Boss', password: 'hunter22', priv_level: 'admin' });
        const identity = await h.ok<AuthIdentity>({
          type: 'auth_user',
          account_name: h.account.name.toUpperCase(),
          credentials: credentialsOf('boss', 'hunter22').toUpperCase(),
        });
        assert.deepEqual(identity, { account_id: h.account.id, account_name: h.account.name, owner_id: doc.id, priv_level: 'admin' });
        const user = await create({ username: 'agent', password: 'agentpw1' });
        assert.deepEqual(await h.ok<AuthIdentity>({ type: 'auth_user', account_name: h.account.name, credentials: credentialsOf('agent', 'agentpw1') }), {
          account_id: h.account.id,
          account_name: h.account.name,
          owner_id: user.doc.id,
          priv_level: 'user',
        });
      });

      it('answers the same unauthorized for a wrong password, an unknown user, an unknown account and a disabled user', async () => {
        await create({ username: 'boss', password: 'hunter22' });
        await create({ username: 'off', password: 'hunter22', enabled: false });
        const replies = [
          await authUser('boss', 'wrong-password'),
          await authUser('nobody', 'hunter22'),
          await authUser('boss', 'hunter22', 'No Such Account'),
          await authUser('off', 'hunter22'),
        ];
        for (const reply of replies) {
          assert.deepEqual(reply, { ok: false, error: { code: 'unauthorized', message: 'invalid credentials' } });
        }
      });

      it('runs scrypt against the dummy hash when there is no candidate (unknown user or account)', async () => {
        await authUser('nobody', 'whatever1');
        await authUser('nobody', 'whatever1', 'No Such Account');
        assert.equal(h.verifyCalls.length, 2);
        for (const call of h.verifyCalls) {
          assert.match(call.hash, /^scrypt\$16384\$8\$1\$/);
          assert.equal(call.result, false);
        }
      });

      it('verifies against the candidate hash (not the dummy) when the bucket has one', async () => {
        await create({ username: 'boss', password: 'hunter22' });
        const before = h.verifyCalls.length;
        await authUser('boss', 'hunter22');
        assert.equal(h.verifyCalls.length, before + 1);
        assert.equal(h.verifyCalls.at(-1)?.result, true);
      });

      it('a user created without a password cannot log in', async () => {
        await create({ username: 'nopw' });
        const reply = await authUser('nopw', '');
        assert.equal(reply.ok, false);
      });
    });

    describe('auth_api', () => {
      it('returns an admin identity without owner for the account api key (any hex case)', async () => {
        const expected = { account_id: h.account.id, account_name: h.account.name, priv_level: 'admin' };
        assert.deepEqual(await h.ok({ type: 'auth_api', api_key: h.account.api_key }), expected);
        assert.deepEqual(await h.ok({ type: 'auth_api', api_key: h.account.api_key.toUpperCase() }), expected);
      });
      it('refuses an unknown key', async () => {
        assert.deepEqual(await h.fail({ type: 'auth_api', api_key: 'ab'.repeat(32) }), {
          code: 'unauthorized',
          message: 'invalid credentials',
        });
      });
    });

    describe('account_get', () => {
      it('returns the account view without the api key', async () => {
        const view = await h.ok<AccountView>({ type: 'account_get', account_id: h.account.id });
        assert.deepEqual(view, {
          id: h.account.id,
          name: h.account.name,
          features: { pro: true },
          qubicle: { missed_call_threshold: 3 },
        });
        assert.ok(!JSON.stringify(view).includes(h.account.api_key));
      });
      it('unknown account → not_found bad identifier', async () => {
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'account_get', account_id: id }), { code: 'not_found', message: 'bad identifier', cause: id });
      });
    });

    describe('user_list', () => {
      it('returns the KAZOO users summary sorted by last_name, first_name', async () => {
        const b = await create({ first_name: 'Bob', last_name: 'Zed', username: 'bob', email: 'bob@example.com' });
        const a = await create({ first_name: 'alice', last_name: 'Young', qubicle: { enabled: true } });
        const c = await create({ first_name: 'Carl', last_name: 'young', priv_level: 'admin', enabled: false });
        const list = await h.ok<UserListItem[]>({ type: 'user_list', account_id: h.account.id });
        assert.deepEqual(list, [
          { id: a.doc.id, first_name: 'alice', last_name: 'Young', priv_level: 'user', enabled: true, qubicle_enabled: true },
          { id: c.doc.id, first_name: 'Carl', last_name: 'young', priv_level: 'admin', enabled: false, qubicle_enabled: false },
          {
            id: b.doc.id,
            first_name: 'Bob',
            last_name: 'Zed',
            username: 'bob',
            email: 'bob@example.com',
            priv_level: 'user',
            enabled: true,
            qubicle_enabled: false,
          },
        ]);
      });
      it('an empty account lists nothing; an unknown account is not_found', async () => {
        assert.deepEqual(await h.ok({ type: 'user_list', account_id: h.account.id }), []);
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'user_list', account_id: id }), { code: 'not_found', message: 'bad identifier', cause: id });
      });
    });

    describe('user_get / recipient_get', () => {
      it('user_get returns {doc, rev}', async () => {
        const created = await create({ username: 'u1', password: 'secret99', timezone: 'Europe/Paris' });
        const got = await h.ok<UserDocReply>({ type: 'user_get', account_id: h.account.id, user_id: created.doc.id });
        assert.deepEqual(got, created);
        assert.equal(got.doc['timezone'], 'Europe/Paris');
        assert.equal('password' in got.doc, false);
      });
      it('user_get of an unknown id, or of a user of another account → not_found with cause = id', async () => {
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'user_get', account_id: h.account.id, user_id: id }), { code: 'not_found', message: 'bad identifier', cause: id });
        const created = await create({});
        const other = newKazooId();
        assert.deepEqual(await h.fail({ type: 'user_get', account_id: other, user_id: created.doc.id }), {
          code: 'not_found',
          message: 'bad identifier',
          cause: created.doc.id,
        });
      });
      it('recipient_get returns the users document of a recipient only', async () => {
        const recipient = await create({ qubicle: { enabled: true } });
        const plain = await create({});
        assert.deepEqual(await h.ok({ type: 'recipient_get', account_id: h.account.id, recipient_id: recipient.doc.id }), recipient);
        assert.deepEqual(await h.fail({ type: 'recipient_get', account_id: h.account.id, recipient_id: plain.doc.id }), {
          code: 'not_found',
          message: 'bad identifier',
          cause: plain.doc.id,
        });
        const unknown = newKazooId();
        assert.deepEqual(await h.fail({ type: 'recipient_get', account_id: h.account.id, recipient_id: unknown }), {
          code: 'not_found',
          message: 'bad identifier',
          cause: unknown,
        });
      });
    });

    describe('user_create', () => {
      it('applies KAZOO defaults, a new id, and never stores the password', async () => {
        const { doc, rev } = await create({ username: 'jdoe', password: 'pa55word', ui_metadata: { ui: 'monster' } });
        assert.match(doc.id, /^[0-9a-f]{32}$/);
        assert.match(rev, /^1-/);
        assert.deepEqual(doc, {
          id: doc.id,
          account_id: h.account.id,
          first_name: 'Ada',
          last_name: 'Lovelace',
          username: 'jdoe',
          priv_level: 'user',
          enabled: true,
          qubicle: { enabled: false, permissions: { monitor: false } },
          ui_metadata: { ui: 'monster' },
        });
        const stored = await h.store.getUser(h.account.id, doc.id);
        assert.ok(stored);
        assert.equal(JSON.stringify(stored).includes('pa55word'), false);
        assert.equal((await authUser('jdoe', 'pa55word')).ok, true);
      });

      it('merges the given qubicle settings into the defaults and keeps given fields', async () => {
        const { doc } = await create({
          priv_level: 'admin',
          enabled: false,
          email: 'a@b.c',
          qubicle: { permissions: { monitor: true } },
        });
        assert.deepEqual(doc.qubicle, { enabled: false, permissions: { monitor: true } });
        assert.equal(doc.priv_level, 'admin');
        assert.equal(doc.enabled, false);
        assert.equal(doc.email, 'a@b.c');
        const r = await create({ qubicle: { enabled: true } });
        assert.deepEqual(r.doc.qubicle, { enabled: true, permissions: { monitor: false } });
      });

      it('drops KAZOO private keys (pvt_*, _id, _rev) from the body', async () => {
        const { doc } = await create({ pvt_type: 'user', _id: 'x', _rev: '9-x', caller_id: { internal: { number: '1001' } } });
        assert.equal('pvt_type' in doc, false);
        assert.equal('_id' in doc, false);
        assert.equal('_rev' in doc, false);
        assert.deepEqual(doc['caller_id'], { internal: { number: '1001' } });
      });

      it('a duplicate username in the account (any case) is a conflict naming it', async () => {
        await create({ username: 'jdoe' });
        assert.deepEqual(await h.fail({ type: 'user_create', account_id: h.account.id, user: userWrite({ username: 'JDoe' }) }), {
          code: 'conflict',
          message: 'username already in use',
          cause: 'JDoe',
        });
        // Users without a username never conflict.
        await create({});
        await create({});
      });

      it('the same username in another account is fine; an unknown account is not_found', async () => {
        const other = await makeHarness(factory, { store: h.store });
        await create({ username: 'same' });
        await other.ok({ type: 'user_create', account_id: other.account.id, user: userWrite({ username: 'same' }) });
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'user_create', account_id: id, user: userWrite({}) }), {
          code: 'not_found',
          message: 'bad identifier',
          cause: id,
        });
      });
    });

    describe('user_update', () => {
      it('replaces the document (defaults for omitted fields), keeps id/account_id and bumps the rev', async () => {
        const created = await create({ username: 'jdoe', password: 'pa55word', email: 'x@y.z', qubicle: { enabled: true }, timezone: 'UTC' });
        const updated = await h.ok<UserDocReply>({
          type: 'user_update',
          account_id: h.account.id,
          user_id: created.doc.id,
          user: userWrite({ first_name: 'John', username: 'jdoe', language: 'fr-fr' }),
        });
        assert.deepEqual(updated.doc, {
          id: created.doc.id,
          account_id: h.account.id,
          first_name: 'John',
          last_name: 'Lovelace',
          username: 'jdoe',
          priv_level: 'user',
          enabled: true,
          qubicle: { enabled: false, permissions: { monitor: false } },
          language: 'fr-fr',
        });
        assert.match(updated.rev, /^2-/);
        assert.equal((await authUser('jdoe', 'pa55word')).ok, true, 'same username, no password: credentials kept');
      });

      it('with the current rev succeeds; with a stale rev is a conflict and changes nothing', async () => {
        const created = await create({ username: 'jdoe' });
        const first = await h.ok<UserDocReply>({
          type: 'user_update',
          account_id: h.account.id,
          user_id: created.doc.id,
          rev: created.rev,
          user: userWrite({ username: 'jdoe', first_name: 'One' }),
        });
        assert.deepEqual(
          await h.fail({
            type: 'user_update',
            account_id: h.account.id,
            user_id: created.doc.id,
            rev: created.rev,
            user: userWrite({ username: 'jdoe', first_name: 'Two' }),
          }),
          { code: 'conflict', message: 'conflicting documents', cause: created.doc.id },
        );
        assert.deepEqual(await h.ok({ type: 'user_get', account_id: h.account.id, user_id: created.doc.id }), first);
      });

      it('a new password replaces the credentials', async () => {
        const created = await create({ username: 'jdoe', password: 'old-pass' });
        await h.ok({
          type: 'user_update',
          account_id: h.account.id,
          user_id: created.doc.id,
          user: userWrite({ username: 'jdoe', password: 'new-pass' }),
        });
        assert.equal((await authUser('jdoe', 'old-pass')).ok, false);
        assert.equal((await authUser('jdoe', 'new-pass')).ok, true);
      });

      it('a username change without a password clears the credentials (a new password is needed)', async () => {
        const created = await create({ username: 'jdoe', password: 'pa55word' });
        await h.ok({ type: 'user_update', account_id: h.account.id, user_id: created.doc.id, user: userWrite({ username: 'jane' }) });
        assert.equal((await authUser('jdoe', 'pa55word')).ok, false);
        assert.equal((await authUser('jane', 'pa55word')).ok, false);
        await h.ok({ type: 'user_update', account_id: h.account.id, user_id: created.doc.id, user: userWrite({ username: 'jane', password: 'fresh-pw' }) });
        assert.equal((await authUser('jane', 'fresh-pw')).ok, true);
      });

      it('a change of letter case of the username keeps the credentials (KAZOO lower-cases it in the md5)', async () => {
        const created = await create({ username: 'jdoe', password: 'pa55word' });
        await h.ok({ type: 'user_update', account_id: h.account.id, user_id: created.doc.id, user: userWrite({ username: 'JDoe' }) });
        assert.equal((await authUser('JDOE', 'pa55word')).ok, true);
      });

      it("taking another user's username is a conflict; unknown id is not_found", async () => {
        await create({ username: 'taken' });
        const created = await create({ username: 'mine' });
        assert.deepEqual(
          await h.fail({ type: 'user_update', account_id: h.account.id, user_id: created.doc.id, user: userWrite({ username: 'TAKEN' }) }),
          { code: 'conflict', message: 'username already in use', cause: 'TAKEN' },
        );
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'user_update', account_id: h.account.id, user_id: id, user: userWrite({}) }), {
          code: 'not_found',
          message: 'bad identifier',
          cause: id,
        });
      });

      it('disabling a logged-in recipient logs them out first', async () => {
        const created = await create({ username: 'agent', qubicle: { enabled: true } });
        await h.store.markLoggedIn(h.account.id, created.doc.id);
        const updated = await h.ok<UserDocReply>({
          type: 'user_update',
          account_id: h.account.id,
          user_id: created.doc.id,
          user: userWrite({ username: 'agent', enabled: false, qubicle: { enabled: true } }),
        });
        assert.equal(updated.doc.enabled, false);
        assert.deepEqual(h.logoutCalls, [{ accountId: h.account.id, recipientId: created.doc.id, reason: 'user_disabled', userExisted: true }]);
      });

      it('dropping qubicle (full replace without it) logs a logged-in recipient out', async () => {
        const created = await create({ username: 'agent', qubicle: { enabled: true } });
        await h.store.markLoggedIn(h.account.id, created.doc.id);
        await h.ok({ type: 'user_update', account_id: h.account.id, user_id: created.doc.id, user: userWrite({ username: 'agent' }) });
        assert.deepEqual(h.logoutCalls.map((c) => c.reason), ['qubicle_disabled']);
      });

      it('does not log out a recipient who stays eligible, nor one who is not logged in', async () => {
        const a = await create({ username: 'a', qubicle: { enabled: true } });
        const b = await create({ username: 'b', qubicle: { enabled: true } });
        await h.store.markLoggedIn(h.account.id, a.doc.id);
        await h.ok({ type: 'user_update', account_id: h.account.id, user_id: a.doc.id, user: userWrite({ username: 'a', qubicle: { enabled: true } }) });
        await h.ok({ type: 'user_update', account_id: h.account.id, user_id: b.doc.id, user: userWrite({ username: 'b', enabled: false }) });
        assert.deepEqual(h.logoutCalls, []);
      });
    });

    describe('user_patch', () => {
      it('merges fields, deep for qubicle, and null removes a pass-through field', async () => {
        const created = await create({ username: 'jdoe', qubicle: { enabled: true }, timezone: 'UTC', caller_id: { internal: { number: '1' } } });
        const patched = await h.ok<UserDocReply>({
          type: 'user_patch',
          account_id: h.account.id,
          user_id: created.doc.id,
          patch: { last_name: 'Byron', qubicle: { permissions: { monitor: true } }, timezone: null, caller_id: { external: { number: '2' } } },
        });
        assert.deepEqual(patched.doc, {
          id: created.doc.id,
          account_id: h.account.id,
          first_name: 'Ada',
          last_name: 'Byron',
          username: 'jdoe',
          priv_level: 'user',
          enabled: true,
          qubicle: { enabled: true, permissions: { monitor: true } },
          caller_id: { internal: { number: '1' }, external: { number: '2' } },
        });
        assert.match(patched.rev, /^2-/);
      });

      it('a password sets credentials (with the stored username); a username alone clears them', async () => {
        const created = await create({ username: 'jdoe' });
        await h.ok({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { password: 'patched-pw' } });
        assert.equal((await authUser('jdoe', 'patched-pw')).ok, true);
        await h.ok({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { username: 'renamed' } });
        assert.equal((await authUser('renamed', 'patched-pw')).ok, false);
        assert.equal((await authUser('jdoe', 'patched-pw')).ok, false);
      });

      it('a password for a user without a username is invalid data', async () => {
        const created = await create({});
        const error = await h.fail({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { password: 'lonely-pw' } });
        assert.equal(error.code, 'invalid_data');
        assert.ok(!JSON.stringify(error).includes('lonely-pw'));
      });

      it('disabling qubicle of a logged-in recipient logs them out; unknown id is not_found; username clash is a conflict', async () => {
        const created = await create({ username: 'agent', qubicle: { enabled: true } });
        await create({ username: 'other' });
        await h.store.markLoggedIn(h.account.id, created.doc.id);
        const patched = await h.ok<UserDocReply>({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { qubicle: { enabled: false } } });
        assert.deepEqual(patched.doc.qubicle, { enabled: false, permissions: { monitor: false } });
        assert.deepEqual(h.logoutCalls.map((c) => c.reason), ['qubicle_disabled']);
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'user_patch', account_id: h.account.id, user_id: id, patch: { first_name: 'X' } }), {
          code: 'not_found',
          message: 'bad identifier',
          cause: id,
        });
        assert.deepEqual(await h.fail({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { username: 'Other' } }), {
          code: 'conflict',
          message: 'username already in use',
          cause: 'Other',
        });
      });
    });

    describe('user_delete', () => {
      it('deletes and returns the deleted document', async () => {
        const created = await create({ username: 'gone', password: 'pa55word' });
        assert.deepEqual(await h.ok({ type: 'user_delete', account_id: h.account.id, user_id: created.doc.id }), created);
        assert.equal((await h.fail({ type: 'user_get', account_id: h.account.id, user_id: created.doc.id })).code, 'not_found');
        assert.equal((await authUser('gone', 'pa55word')).ok, false);
        assert.deepEqual(h.logoutCalls, []);
      });
      it('logs a logged-in recipient out before deleting them', async () => {
        const created = await create({ qubicle: { enabled: true } });
        await h.store.markLoggedIn(h.account.id, created.doc.id);
        await h.ok({ type: 'user_delete', account_id: h.account.id, user_id: created.doc.id });
        assert.deepEqual(h.logoutCalls, [{ accountId: h.account.id, recipientId: created.doc.id, reason: 'user_deleted', userExisted: true }]);
      });
      it('unknown id → not_found', async () => {
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'user_delete', account_id: h.account.id, user_id: id }), { code: 'not_found', message: 'bad identifier', cause: id });
      });
    });

    describe('recipient_list', () => {
      it('lists users with qubicle enabled as {id, name: "First Last"}, sorted', async () => {
        const z = await create({ first_name: 'Zoe', last_name: 'Young', qubicle: { enabled: true } });
        await create({ first_name: 'Not', last_name: 'Recipient' });
        const a = await create({ first_name: 'Al', last_name: 'Able', qubicle: { enabled: true } });
        assert.deepEqual(await h.ok<RecipientListItem[]>({ type: 'recipient_list', account_id: h.account.id }), [
          { id: a.doc.id, name: 'Al Able' },
          { id: z.doc.id, name: 'Zoe Young' },
        ]);
      });
      it('unknown account → not_found', async () => {
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'recipient_list', account_id: id }), { code: 'not_found', message: 'bad identifier', cause: id });
      });
    });

    describe('recipient_set_enabled', () => {
      it('enables and disables qubicle, keeping the rest of the document', async () => {
        const created = await create({ username: 'u', qubicle: { permissions: { monitor: true } }, timezone: 'UTC' });
        const enabled = await h.ok<UserDocReply>({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: created.doc.id, enabled: true });
        assert.deepEqual(enabled.doc, { ...created.doc, qubicle: { enabled: true, permissions: { monitor: true } } });
        assert.match(enabled.rev, /^2-/);
        const again = await h.ok<UserDocReply>({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: created.doc.id, enabled: true });
        assert.deepEqual(again, enabled, 'no change, no write');
        const disabled = await h.ok<UserDocReply>({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: created.doc.id, enabled: false });
        assert.equal(disabled.doc.qubicle.enabled, false);
        assert.deepEqual(h.logoutCalls, []);
      });
      it('disabling a logged-in recipient logs them out first', async () => {
        const created = await create({ qubicle: { enabled: true } });
        await h.store.markLoggedIn(h.account.id, created.doc.id);
        await h.ok({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: created.doc.id, enabled: false });
        assert.deepEqual(h.logoutCalls, [{ accountId: h.account.id, recipientId: created.doc.id, reason: 'qubicle_disabled', userExisted: true }]);
      });
      it('unknown id → not_found', async () => {
        const id = newKazooId();
        assert.deepEqual(await h.fail({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: id, enabled: true }), {
          code: 'not_found',
          message: 'bad identifier',
          cause: id,
        });
      });
    });

    describe('cluster_info', () => {
      it("falls back to the worker's shard count, then reports the recorded one", async () => {
        assert.deepEqual(await h.ok<ClusterInfo>({ type: 'cluster_info' }), { shard_count: SHARD_COUNT });
        await h.store.setMeta('shard_count', 16);
        assert.deepEqual(await h.ok<ClusterInfo>({ type: 'cluster_info' }), { shard_count: 16 });
      });
    });
  });
}
