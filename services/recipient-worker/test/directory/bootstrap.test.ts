import assert from 'node:assert/strict';
import type { AuthIdentity, RecipientListItem, UserListItem } from '@qubicle/contracts';
import { bootstrapDemo, DEMO_AGENT_COUNT } from '../../src/directory/bootstrap.js';
import { credentialsOf } from '../../src/directory/credentials.js';
import { createDirectoryHandler } from '../../src/directory/directory-handler.js';
import { findSecrets, recordingLogger, type LogLine } from './support/harness.js';
import type { DirectoryTestStore } from './support/stores.js';
import { STORE_FACTORIES } from './support/stores.js';

const OPTS = { accountName: 'Demo Call Center', adminUsername: 'admin', adminPassword: 'demo-pass-1' };

for (const factory of STORE_FACTORIES) {
  describe(`bootstrapDemo [${factory.name}]`, () => {
    let store: DirectoryTestStore;
    let logs: LogLine[];
    beforeEach(async () => {
      store = await factory.create();
      logs = [];
    });
    afterEach(async () => {
      await store.close();
    });

    const handler = () =>
      createDirectoryHandler({ store, bus: { call: async () => ({ ok: true, data: {} }) }, logger: recordingLogger([]), shardCount: 4 });

    it('creates a Pro account, its admin and three demo agents that can log in', async () => {
      const result = await bootstrapDemo(store, { ...OPTS, logger: recordingLogger(logs) });
      assert.equal(result.created, true);
      assert.match(result.account.id, /^[0-9a-f]{32}$/);
      assert.match(result.account.api_key, /^[0-9a-f]{64}$/);
      assert.equal(result.account.name, OPTS.accountName);
      assert.deepEqual(result.account.features, { pro: true });
      assert.deepEqual(result.account.qubicle, { missed_call_threshold: 3 });
      assert.deepEqual(
        { ...result.admin, id: 'x' },
        {
          id: 'x',
          account_id: result.account.id,
          first_name: 'Demo',
          last_name: 'Admin',
          username: 'admin',
          priv_level: 'admin',
          enabled: true,
          qubicle: { enabled: true, permissions: { monitor: true } },
        },
      );

      const h = handler();
      const users = await h({ body: { type: 'user_list', account_id: result.account.id } });
      assert.ok(users.ok);
      assert.deepEqual(
        (users.data as UserListItem[]).map((u) => [u.username, u.priv_level, u.qubicle_enabled]),
        [
          ['admin', 'admin', true],
          ['agent1', 'user', true],
          ['agent2', 'user', true],
          ['agent3', 'user', true],
        ],
      );
      const recipients = await h({ body: { type: 'recipient_list', account_id: result.account.id } });
      assert.ok(recipients.ok);
      assert.deepEqual(
        (recipients.data as RecipientListItem[]).map((r) => r.name),
        ['Demo Admin', 'Demo Agent 1', 'Demo Agent 2', 'Demo Agent 3'],
      );
      for (const username of ['admin', 'agent1', 'agent2', 'agent3']) {
        const auth = await h({
          body: { type: 'auth_user', account_name: 'demo call center', credentials: credentialsOf(username, OPTS.adminPassword) },
        });
        assert.ok(auth.ok, username);
        assert.equal((auth.data as AuthIdentity).account_id, result.account.id);
      }
      const api = await h({ body: { type: 'auth_api', api_key: result.account.api_key } });
      assert.ok(api.ok);
      assert.deepEqual(findSecrets(logs, [OPTS.adminPassword, result.account.api_key, credentialsOf('admin', OPTS.adminPassword)]), []);
    });

    it('is idempotent', async () => {
      const first = await bootstrapDemo(store, { ...OPTS, logger: recordingLogger(logs) });
      const second = await bootstrapDemo(store, { ...OPTS, accountName: 'DEMO CALL CENTER', logger: recordingLogger(logs) });
      assert.equal(second.created, false);
      assert.deepEqual(second.account, first.account);
      assert.deepEqual(second.admin, first.admin);
      assert.equal((await store.listUsers(first.account.id)).length, 1 + DEMO_AGENT_COUNT);
    });

    it('is safe when several processes bootstrap at once', async () => {
      const results = await Promise.all([1, 2, 3].map(() => bootstrapDemo(store, { ...OPTS, logger: recordingLogger(logs) })));
      assert.equal(results.filter((r) => r.created).length, 1);
      const ids = new Set(results.map((r) => r.account.id));
      assert.equal(ids.size, 1);
      assert.equal(new Set(results.map((r) => r.admin.id)).size, 1);
      assert.equal(new Set(results.map((r) => r.account.api_key)).size, 1);
      assert.equal((await store.listUsers(results[0]!.account.id)).length, 1 + DEMO_AGENT_COUNT);
    });

    it('re-creates a deleted admin, but not deleted agents', async () => {
      const first = await bootstrapDemo(store, { ...OPTS, logger: recordingLogger(logs) });
      const agent1 = await store.getUserByUsername(first.account.id, 'agent1');
      assert.ok(agent1);
      await store.deleteUser(first.account.id, first.admin.id);
      await store.deleteUser(first.account.id, agent1.doc.id);
      const again = await bootstrapDemo(store, { ...OPTS, logger: recordingLogger(logs) });
      assert.equal(again.created, false);
      assert.notEqual(again.admin.id, first.admin.id);
      assert.equal(again.admin.username, 'admin');
      assert.equal(await store.getUserByUsername(first.account.id, 'agent1'), null);
    });

    it('refuses unusable options', async () => {
      await assert.rejects(bootstrapDemo(store, { ...OPTS, adminPassword: '123', logger: recordingLogger(logs) }), RangeError);
      await assert.rejects(bootstrapDemo(store, { ...OPTS, adminUsername: 'a b', logger: recordingLogger(logs) }), RangeError);
      await assert.rejects(bootstrapDemo(store, { ...OPTS, accountName: '', logger: recordingLogger(logs) }), RangeError);
    });
  });
}
