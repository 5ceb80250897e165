/**
 * The directory's side of token revocation: the token generation raised (and the
 * principal_changed notice published, after the write) by every change that ends a user's
 * tokens and by nothing else; token_check's answers; token_revoke recording the jti until the
 * token's expiry and broadcasting it.
 */
import assert from 'node:assert/strict';
import {
  AUTH_EXCHANGE,
  newKazooId,
  validateAuthNotice,
  type AuthIdentity,
  type TokenCheck,
  type UserDocReply,
} from '@qubicle/contracts';
import { credentialsOf } from '../../src/directory/credentials.js';
import { TOKEN_GENERATION_KEY } from '../../src/directory/tokens.js';
import { makeHarness, userWrite, type Harness } from './support/harness.js';
import { STORE_FACTORIES } from './support/stores.js';

for (const factory of STORE_FACTORIES) {
  describe(`directory: token revocation [${factory.name}]`, () => {
    let h: Harness;
    let now: number;
    beforeEach(async () => {
      now = Date.now();
      h = await makeHarness(factory, { clock: () => now });
    });
    afterEach(async () => {
      await h.store.close();
    });

    const create = (user: Record<string, unknown>) =>
      h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite({ password: 'pw-123456', ...user }) });
    const patch = (id: string, p: Record<string, unknown>) => h.ok<UserDocReply>({ type: 'user_patch', account_id: h.account.id, user_id: id, patch: p });
    const login = (username: string) =>
      h.ok<AuthIdentity>({ type: 'auth_user', account_name: h.account.name, credentials: credentialsOf(username, 'pw-123456') });
    const check = (fields: Record<string, unknown>) =>
      h.ok<TokenCheck>({ type: 'token_check', account_id: h.account.id, token_id: 'jti-1', token_generation: 0, priv_level: 'user', ...fields });
    const stored = async (id: string) => (await h.store.getUser(h.account.id, id))!.doc;
    const notices = () =>
      h.published.map((p) => {
        assert.equal(p.exchange, AUTH_EXCHANGE);
        const v = validateAuthNotice(p.body);
        assert.ok(v.ok, `a valid notice: ${JSON.stringify(p.body)}`);
        assert.equal(p.routingKey, `auth.${v.value.type}`);
        return v.value;
      });

    describe('changes that end tokens', () => {
      const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
        ['disabling the user', { enabled: true }, { enabled: false }, 'user_disabled'],
        ['demoting an admin', { priv_level: 'admin' }, { priv_level: 'user' }, 'user_demoted'],
        ['removing the Qubicle permission', { qubicle: { enabled: true } }, { qubicle: { enabled: false } }, 'qubicle_disabled'],
      ];
      for (const [what, initial, change, reason] of cases) {
        it(`${what}: the generation goes up in the stored document, the notice follows, old tokens are refused`, async () => {
          const u = await create({ username: 'ada', ...initial });
          const identity = await login('ada');
          assert.equal(identity.token_generation, undefined, 'generation 0 is not sent');
          const before = { user_id: u.doc.id, priv_level: identity.priv_level };
          assert.deepEqual(await check(before), { valid: true });

          const reply = await patch(u.doc.id, change);
          assert.equal(TOKEN_GENERATION_KEY in reply.doc, false, 'never shown');
          assert.equal((await stored(u.doc.id))[TOKEN_GENERATION_KEY], 1);
          assert.deepEqual(
            notices().map(({ at: _at, ...n }) => n),
            [{ type: 'principal_changed', account_id: h.account.id, user_id: u.doc.id, reason, token_generation: 1 }],
          );
          assert.equal(h.published[0]?.requestId, 'req-test');
          const after = await check(before);
          assert.equal(after.valid, false);
        });
      }

      it('re-enabling (or promoting) again does not bring old tokens back; a new login gets the new generation', async () => {
        const u = await create({ username: 'ada', priv_level: 'admin' });
        const old = { user_id: u.doc.id, priv_level: 'admin', token_generation: 0 };
        await patch(u.doc.id, { enabled: false });
        await patch(u.doc.id, { enabled: true });
        assert.deepEqual(await check(old), { valid: false, reason: 'token_superseded' });
        const identity = await login('ada');
        assert.equal(identity.token_generation, 1);
        assert.deepEqual(await check({ ...old, token_generation: 1 }), { valid: true });
      });

      it('a full replace, a recipient disable and a delete end tokens too; the replace keeps the generation', async () => {
        const u = await create({ username: 'ada', qubicle: { enabled: true } });
        await h.ok({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: u.doc.id, enabled: false });
        assert.equal((await stored(u.doc.id))[TOKEN_GENERATION_KEY], 1);
        // a replace from a client body (no private keys) keeps what is stored, and ends tokens when it disables
        await h.ok({ type: 'user_update', account_id: h.account.id, user_id: u.doc.id, user: userWrite({ username: 'ada', last_name: 'Byron' }) });
        assert.equal((await stored(u.doc.id))[TOKEN_GENERATION_KEY], 1);
        await h.ok({ type: 'user_update', account_id: h.account.id, user_id: u.doc.id, user: userWrite({ username: 'ada', enabled: false }) });
        assert.equal((await stored(u.doc.id))[TOKEN_GENERATION_KEY], 2);
        await h.ok({ type: 'user_delete', account_id: h.account.id, user_id: u.doc.id });
        assert.deepEqual(
          notices().map((n) => (n.type === 'principal_changed' ? [n.reason, n.token_generation] : n.type)),
          [['qubicle_disabled', 1], ['user_disabled', 2], ['user_deleted', undefined]],
        );
        assert.deepEqual(await check({ user_id: u.doc.id, token_generation: 2 }), { valid: false, reason: 'user_deleted' });
      });

      it('changes that take nothing away publish nothing and keep tokens', async () => {
        const u = await create({ username: 'ada', priv_level: 'user', qubicle: { enabled: false } });
        await patch(u.doc.id, { first_name: 'Augusta', priv_level: 'admin', qubicle: { enabled: true, permissions: { monitor: true } } });
        await patch(u.doc.id, { password: 'another-pw' });
        await h.ok({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: u.doc.id, enabled: true });
        assert.deepEqual(h.published, []);
        assert.equal(TOKEN_GENERATION_KEY in (await stored(u.doc.id)), false);
        assert.deepEqual(await check({ user_id: u.doc.id }), { valid: true });
      });

      it('a client cannot set the generation itself', async () => {
        const u = await create({ username: 'ada', [TOKEN_GENERATION_KEY]: 7 });
        assert.equal(TOKEN_GENERATION_KEY in (await stored(u.doc.id)), false);
        await patch(u.doc.id, { enabled: false });
        await patch(u.doc.id, { [TOKEN_GENERATION_KEY]: 0 });
        assert.equal((await stored(u.doc.id))[TOKEN_GENERATION_KEY], 1);
      });

      it('a notice that cannot be published is logged without failing the change', async () => {
        const failing = await makeHarness(factory, {
          store: h.store,
          bus: {
            async call() {
              return { ok: true, data: {} };
            },
            async publish() {
              throw new Error('channel closed');
            },
          },
        });
        const u = await failing.ok<UserDocReply>({ type: 'user_create', account_id: failing.account.id, user: userWrite({ username: 'bob' }) });
        const reply = await failing.call({ type: 'user_patch', account_id: failing.account.id, user_id: u.doc.id, patch: { enabled: false } });
        assert.equal(reply.ok, true);
        assert.ok(failing.logs.some((l) => l.level === 'error' && /auth notice not published/.test(l.msg ?? '')));
      });
    });

    describe('token_check', () => {
      it('api token: valid for an existing account; an unknown account is account_deleted', async () => {
        assert.deepEqual(await check({ priv_level: 'admin' }), { valid: true });
        assert.deepEqual(
          await h.ok({ type: 'token_check', account_id: newKazooId(), token_id: 'j', token_generation: 0, priv_level: 'admin' }),
          { valid: false, reason: 'account_deleted' },
        );
      });

      it('user token: deleted, disabled, or an admin token of a user who is no longer admin', async () => {
        assert.deepEqual(await check({ user_id: newKazooId() }), { valid: false, reason: 'user_deleted' });
        const u = await create({ username: 'ada' });
        // written outside the API (no generation raised): the state itself still decides
        await h.store.updateUser({ ...(await stored(u.doc.id)), enabled: false }, null);
        assert.deepEqual(await check({ user_id: u.doc.id }), { valid: false, reason: 'user_disabled' });
        await h.store.updateUser({ ...(await stored(u.doc.id)), enabled: true }, null);
        assert.deepEqual(await check({ user_id: u.doc.id, priv_level: 'admin' }), { valid: false, reason: 'user_demoted' });
        assert.deepEqual(await check({ user_id: u.doc.id, priv_level: 'user' }), { valid: true });
      });

      it('refuses a malformed request as invalid_message', async () => {
        const err = await h.fail({ type: 'token_check', account_id: h.account.id, token_id: '', token_generation: -1, priv_level: 'root' });
        assert.equal(err.code, 'invalid_message');
      });
    });

    describe('token_revoke', () => {
      it('records the jti until the token expires and broadcasts it (jti only, never a token)', async () => {
        const u = await create({ username: 'ada' });
        const exp = now + 60_000;
        assert.deepEqual(
          await h.ok({ type: 'token_revoke', account_id: h.account.id, user_id: u.doc.id, token_id: 'jti-1', expires_at: exp }),
          { revoked: true },
        );
        assert.deepEqual(await check({ user_id: u.doc.id }), { valid: false, reason: 'token_deleted' });
        assert.deepEqual(await check({ user_id: u.doc.id, token_id: 'jti-2' }), { valid: true }, 'only that token');
        assert.deepEqual(notices(), [{ type: 'token_revoked', account_id: h.account.id, user_id: u.doc.id, token_id: 'jti-1', expires_at: exp, at: now }]);
        now = exp;
        assert.deepEqual(await check({ user_id: u.doc.id }), { valid: true }, 'past its exp the record is gone (the token is refused as expired anyway)');
        // idempotent
        await h.ok({ type: 'token_revoke', account_id: h.account.id, token_id: 'jti-3', expires_at: now + 1000 });
        await h.ok({ type: 'token_revoke', account_id: h.account.id, token_id: 'jti-3', expires_at: now + 1000 });
        assert.deepEqual(await check({ token_id: 'jti-3', priv_level: 'admin' }), { valid: false, reason: 'token_deleted' });
      });
    });
  });
}
