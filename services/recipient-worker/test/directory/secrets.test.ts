import assert from 'node:assert/strict';
import type { UserDocReply } from '@qubicle/contracts';
import { credentialBucket, credentialsOf } from '../../src/directory/credentials.js';
import { findSecrets, makeHarness, userWrite } from './support/harness.js';
import { STORE_FACTORIES } from './support/stores.js';

for (const factory of STORE_FACTORIES) {
  describe(`directory: secrets never leave the store [${factory.name}]`, () => {
    it('no reply and no log line contains a password, md5 credentials, a scrypt hash or the api key', async () => {
      const h = await makeHarness(factory);
      const password = 'Sup3r-Secret-Pw';
      const newPassword = 'An0ther-Secret-Pw';
      const md5 = credentialsOf('agent', password);
      const newMd5 = credentialsOf('agent', newPassword);
      const replies: unknown[] = [];
      const run = async (body: unknown) => {
        const reply = await h.call(body);
        replies.push(reply);
        return reply;
      };
      const acc = h.account.id;

      const created = (await run({
        type: 'user_create',
        account_id: acc,
        user: userWrite({ username: 'agent', password, qubicle: { enabled: true } }),
      })) as { ok: true; data: UserDocReply };
      assert.equal(created.ok, true);
      const id = created.data.doc.id;
      const [stored] = await h.store.findUsersByCredentialBucket(acc, credentialBucket(md5));
      assert.ok(stored, 'the credentials were stored');
      const hash = stored.hash;

      await run({ type: 'auth_user', account_name: h.account.name, credentials: md5 });
      await run({ type: 'auth_user', account_name: h.account.name, credentials: md5.toUpperCase() });
      await run({ type: 'auth_user', account_name: h.account.name, credentials: credentialsOf('agent', 'wrong-pw') });
      await run({ type: 'auth_api', api_key: h.account.api_key });
      await run({ type: 'account_get', account_id: acc });
      await run({ type: 'user_list', account_id: acc });
      await run({ type: 'user_get', account_id: acc, user_id: id });
      await run({ type: 'recipient_get', account_id: acc, recipient_id: id });
      await run({ type: 'recipient_list', account_id: acc });
      await run({ type: 'user_patch', account_id: acc, user_id: id, patch: { password: newPassword } });
      await run({ type: 'user_update', account_id: acc, user_id: id, user: userWrite({ username: 'agent', password, qubicle: { enabled: true } }) });
      await run({ type: 'recipient_set_enabled', account_id: acc, recipient_id: id, enabled: false });
      await run({ type: 'user_create', account_id: acc, user: userWrite({ username: 'AGENT', password }) }); // conflict
      await run({ type: 'user_create', account_id: acc, user: userWrite({ username: 'x', password: 'short' }) }); // invalid
      await run({ type: 'cluster_info' });
      await run({ type: 'user_delete', account_id: acc, user_id: id });

      assert.equal(replies.length, 17);
      assert.equal(replies.filter((r) => (r as { ok: boolean }).ok).length, 14, "every call but the wrong password, the conflict and the invalid one succeeded");
      const secrets = [password, newPassword, md5, newMd5, hash, hash.split('$')[4] ?? hash, hash.split('$')[5] ?? hash, h.account.api_key];
      assert.deepEqual(findSecrets(replies, secrets), []);
      assert.deepEqual(findSecrets(h.logs, secrets), []);
      await h.store.close();
    });
  });
}
