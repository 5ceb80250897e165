import assert from 'node:assert/strict';
import { QubicleFailure, shardOf, shardQueue, validateShardMessage, type UserDocReply } from '@qubicle/contracts';
import { createDirectoryHandler } from '../../src/directory/directory-handler.js';
import { LOGOUT_TIMEOUT_MS } from '../../src/directory/logout.js';
import type { DirectoryBus } from '../../src/directory/types.js';
import { StoreError } from '../../src/store/port.js';
import { makeHarness, recordingLogger, SHARD_COUNT, userWrite, type Harness, type LogLine } from './support/harness.js';
import { TestStore } from '../support/test-store.js';
import { MEMORY_FACTORY } from './support/stores.js';

/** What a TransportError from @qubicle/transport looks like (matched by name + kind). */
class FakeTransportError extends Error {
  override readonly name = 'TransportError';
  constructor(readonly kind: string) {
    super(kind);
  }
}

describe('directory handler: error paths', () => {
  let h: Harness;
  let store: TestStore;
  beforeEach(async () => {
    store = new TestStore();
    h = await makeHarness(MEMORY_FACTORY, { store });
  });

  const create = (user: Record<string, unknown>) =>
    h.ok<UserDocReply>({ type: 'user_create', account_id: h.account.id, user: userWrite(user) });

  describe('invalid messages', () => {
    it('answers invalid_message with Crossbar details for anything that is not a directory request', async () => {
      for (const body of [null, 'auth_user', 42, [], {}, { type: 'nope' }, { type: 'user_get', account_id: h.account.id }, { type: 'cluster_info', extra: 1 }]) {
        const reply = await h.call(body);
        assert.equal(reply.ok, false, JSON.stringify(body));
        if (reply.ok) continue;
        assert.equal(reply.error.code, 'invalid_message');
        assert.equal(typeof (reply.error as { details?: unknown }).details, 'object');
      }
      const reply = await h.fail({ type: 'user_get', account_id: h.account.id, user_id: 'not-an-id' });
      const details = (reply as { details?: Record<string, Record<string, { message: string; cause?: unknown }>> }).details;
      assert.equal(details?.['user_id']?.['pattern']?.cause, 'not-an-id');
    });

    it('never echoes a secret value in the details', async () => {
      const shortPassword = await h.fail({ type: 'user_create', account_id: h.account.id, user: userWrite({ username: 'u', password: 'tiny!' }) });
      assert.equal(shortPassword.code, 'invalid_message');
      assert.ok(!JSON.stringify(shortPassword).includes('tiny!'));
      assert.ok('user.password' in ((shortPassword as { details?: object }).details ?? {}));
      const badMd5 = await h.fail({ type: 'auth_user', account_name: 'x', credentials: 'zz-not-md5-zz' });
      assert.ok(!JSON.stringify(badMd5).includes('zz-not-md5-zz'));
      const badKey = await h.fail({ type: 'auth_api', api_key: 'secret-key-not-hex' });
      assert.ok(!JSON.stringify(badKey).includes('secret-key-not-hex'));
      assert.ok(!JSON.stringify(h.logs).includes('tiny!'));
      assert.ok(!JSON.stringify(h.logs).includes('zz-not-md5-zz'));
    });
  });

  describe('store failures', () => {
    it("StoreError('unavailable') → unavailable, naming the store", async () => {
      store.failNext('getUser', new StoreError('unavailable', 'sqlite store unavailable: I/O error (SQLITE_IOERR_WRITE)'));
      assert.deepEqual(await h.fail({ type: 'user_get', account_id: h.account.id, user_id: h.account.id }), {
        code: 'unavailable',
        message: 'datastore unavailable: sqlite store unavailable: I/O error (SQLITE_IOERR_WRITE)',
      });
      store.failNext('getAccountByName', new StoreError('unavailable', 'down'));
      assert.equal((await h.fail({ type: 'auth_user', account_name: 'x', credentials: 'a'.repeat(32) })).code, 'unavailable');
    });

    it("StoreError('conflict') → conflict", async () => {
      store.failNext('createUser', new StoreError('conflict', 'id exists'));
      assert.deepEqual(await h.fail({ type: 'user_create', account_id: h.account.id, user: userWrite({}) }), {
        code: 'conflict',
        message: 'conflicting documents',
      });
    });

    it('a username taken between the check and the create is still "username already in use"', async () => {
      // The check passes, then another writer takes the username before createUser.
      const original = store.getUserByUsername.bind(store);
      let calls = 0;
      store.getUserByUsername = async (accountId, username) => {
        calls++;
        if (calls === 1) {
          await original(accountId, username);
          await store.createUser(
            { id: 'f'.repeat(32), account_id: accountId, first_name: 'A', last_name: 'B', username: 'racer', priv_level: 'user', enabled: true, qubicle: { enabled: false, permissions: { monitor: false } } },
            null,
          );
          return null;
        }
        return original(accountId, username);
      };
      assert.deepEqual(await h.fail({ type: 'user_create', account_id: h.account.id, user: userWrite({ username: 'Racer' }) }), {
        code: 'conflict',
        message: 'username already in use',
        cause: 'Racer',
      });
    });

    it('anything unexpected → internal, logged without the request body', async () => {
      store.failNext('updateUser', new TypeError('boom'));
      const created = await create({ username: 'u', password: 'pa55word' });
      const error = await h.fail({
        type: 'user_update',
        account_id: h.account.id,
        user_id: created.doc.id,
        user: userWrite({ username: 'u', password: 'another-secret' }),
      });
      assert.deepEqual(error, { code: 'internal', message: 'internal error' });
      const logged = h.logs.find((l) => l.level === 'error');
      assert.ok(logged);
      assert.match(JSON.stringify(logged), /boom/);
      assert.match(JSON.stringify(logged), /user_update/);
      assert.ok(!JSON.stringify(h.logs).includes('another-secret'));
    });
  });

  describe('concurrent writers', () => {
    it('user_patch and user_update without rev retry after losing a race', async () => {
      const created = await create({ username: 'u' });
      store.failNext('updateUser', new StoreError('conflict', 'stale'), 2);
      const patched = await h.ok<UserDocReply>({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { first_name: 'P' } });
      assert.equal(patched.doc.first_name, 'P');
      store.failNext('updateUser', new StoreError('conflict', 'stale'));
      const updated = await h.ok<UserDocReply>({ type: 'user_update', account_id: h.account.id, user_id: created.doc.id, user: userWrite({ username: 'u' }) });
      assert.equal(updated.doc.first_name, 'Ada');
    });

    it('gives up with a conflict after repeated races, and at once when the client gave a rev', async () => {
      const created = await create({ username: 'u' });
      store.failNext('updateUser', new StoreError('conflict', 'stale'), 3);
      assert.deepEqual(await h.fail({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { first_name: 'P' } }), {
        code: 'conflict',
        message: 'conflicting documents',
        cause: created.doc.id,
      });
      store.failNext('updateUser', new StoreError('conflict', 'stale'));
      assert.equal(
        (await h.fail({ type: 'user_update', account_id: h.account.id, user_id: created.doc.id, rev: created.rev, user: userWrite({ username: 'u' }) })).code,
        'conflict',
      );
    });

    it('a user deleted between read and write is not_found', async () => {
      const created = await create({ username: 'u' });
      store.failNext('updateUser', new StoreError('not_found', 'gone'));
      assert.deepEqual(await h.fail({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { first_name: 'P' } }), {
        code: 'not_found',
        message: 'bad identifier',
        cause: created.doc.id,
      });
    });
  });

  describe('logout failures', () => {
    it('a failed logout refuses the delete / disable and changes nothing', async () => {
      const created = await create({ username: 'agent', qubicle: { enabled: true } });
      await store.markLoggedIn(h.account.id, created.doc.id);
      h.failLogout(new QubicleFailure({ code: 'timeout', message: 'timeout' }));
      assert.deepEqual(await h.fail({ type: 'user_delete', account_id: h.account.id, user_id: created.doc.id }), { code: 'timeout', message: 'timeout' });
      h.failLogout(new FakeTransportError('disconnected'));
      assert.equal((await h.fail({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: created.doc.id, enabled: false })).code, 'unavailable');
      h.failLogout(new FakeTransportError('timeout'));
      assert.equal((await h.fail({ type: 'user_patch', account_id: h.account.id, user_id: created.doc.id, patch: { enabled: false } })).code, 'timeout');
      assert.deepEqual(await h.ok({ type: 'user_get', account_id: h.account.id, user_id: created.doc.id }), created);
      assert.equal(h.logoutCalls.length, 3);
    });

    it('disable of an already-disabled but still logged-in recipient logs them out anyway', async () => {
      const created = await create({ username: 'agent' });
      await store.markLoggedIn(h.account.id, created.doc.id);
      const reply = await h.ok<UserDocReply>({ type: 'recipient_set_enabled', account_id: h.account.id, recipient_id: created.doc.id, enabled: false });
      assert.deepEqual(reply, created);
      assert.deepEqual(h.logoutCalls.map((c) => c.reason), ['qubicle_disabled']);
    });
  });

  describe('default logoutRecipient (over the bus)', () => {
    async function withBus(reply: (queue: string, body: unknown) => Promise<unknown>) {
      const calls: Array<{ queue: string; body: unknown; opts: { timeoutMs: number; requestId?: string } }> = [];
      const bus: DirectoryBus = {
        async call(queue, body, opts) {
          calls.push({ queue, body, opts });
          return reply(queue, body);
        },
      };
      const hb = await makeHarness(MEMORY_FACTORY, { store, bus, logout: 'bus' });
      const created = await hb.ok<UserDocReply>({ type: 'user_create', account_id: hb.account.id, user: userWrite({ qubicle: { enabled: true } }) });
      await store.markLoggedIn(hb.account.id, created.doc.id);
      return { hb, created, calls };
    }

    it("sends a valid logout command to the recipient's shard queue with a 5 s timeout", async () => {
      const { hb, created, calls } = await withBus(async () => ({ ok: true, data: { availability_state: 'Not-Logged-In' } }));
      await hb.ok({ type: 'user_delete', account_id: hb.account.id, user_id: created.doc.id });
      assert.equal(calls.length, 1);
      const call = calls[0]!;
      assert.equal(call.queue, shardQueue(shardOf(hb.account.id, created.doc.id, SHARD_COUNT)));
      assert.deepEqual(call.opts, { timeoutMs: LOGOUT_TIMEOUT_MS, requestId: 'req-test' });
      const validation = validateShardMessage(call.body);
      assert.ok(validation.ok, JSON.stringify(validation));
      assert.deepEqual({ ...(call.body as object), command_id: 'x' }, {
        type: 'logout',
        command_id: 'x',
        account_id: hb.account.id,
        recipient_id: created.doc.id,
        shard_count: SHARD_COUNT,
        by: { service: 'qubicle.directory' },
        reason: 'user_deleted',
      });
    });

    it('not_logged_in counts as logged out; another error reply or a bus timeout refuses the change', async () => {
      const a = await withBus(async () => ({ ok: false, error: { code: 'not_logged_in', message: 'not logged in' } }));
      await a.hb.ok({ type: 'user_delete', account_id: a.hb.account.id, user_id: a.created.doc.id });

      const b = await withBus(async () => ({ ok: false, error: { code: 'shard_mismatch', message: 'x', expected: 8, got: 4 } }));
      assert.deepEqual(await b.hb.fail({ type: 'user_delete', account_id: b.hb.account.id, user_id: b.created.doc.id }), {
        code: 'internal',
        message: 'could not log the recipient out (shard_mismatch)',
      });

      const c = await withBus(async () => {
        throw new FakeTransportError('timeout');
      });
      assert.deepEqual(await c.hb.fail({ type: 'user_delete', account_id: c.hb.account.id, user_id: c.created.doc.id }), { code: 'timeout', message: 'timeout' });
      assert.ok(await store.getUser(c.hb.account.id, c.created.doc.id));
    });
  });

  it('puts the node name in every reply when given', async () => {
    const logs: LogLine[] = [];
    const handler = createDirectoryHandler({
      store,
      bus: { call: async () => ({ ok: true, data: {} }) },
      logger: recordingLogger(logs),
      shardCount: 2,
      node: 'recipient-worker@test',
    });
    assert.deepEqual(await handler({ body: { type: 'cluster_info' } }), { ok: true, data: { shard_count: 2 }, node: 'recipient-worker@test' });
    const bad = await handler({ body: {} });
    assert.equal(bad.node, 'recipient-worker@test');
  });
});
