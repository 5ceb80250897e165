/**
 * End to end: the qubicle_queues API through the Monster UI KAZOO SDK's request building
 * (test/support/kazoo-sdk.ts) → real listening gateway → real RabbitMQ (fresh vhost) → worker →
 * SQLite: a queue created with the older field names, its roster set and read back (through the
 * API and in the store), roles, membership, the live methods (status, ensure_started, sessions),
 * the errors the SDK parses.
 */
import { strict as assert } from 'node:assert';
import { newKazooId } from '@qubicle/contracts';
import { kazooSdk, sdkRefusal as refusal, type KazooSdk } from '../support/kazoo-sdk.js';
import { startSystem, type System } from '../support/system.js';

describe('e2e: qubicle_queues API over RabbitMQ, through the KAZOO SDK', function () {
  this.timeout(60_000);
  let sys: System;
  let admin: KazooSdk;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let supervisor: { id: string; token: string };
  let accountId: string;

  before(async () => {
    sys = await startSystem();
    accountId = sys.accountId;
    const ui = { version: '4.3-e2e', ui: 'monster-ui', origin: 'callcenter' };
    admin = kazooSdk({ apiRoot: `${sys.url}/v2/`, authToken: sys.adminToken, uiMetadata: ui });
    alice = await sys.createUser({ first_name: 'Alice', last_name: 'Agent' });
    bob = await sys.createUser({ first_name: 'Bob', last_name: 'Agent' });
    supervisor = await sys.createUser({ first_name: 'Sam', last_name: 'Supervisor', qubicle: { enabled: false } });
  });
  after(async () => {
    await sys?.stop();
  });

  it('create (older names), get, update with the document read, patch, list; roster set, read back and stored', async () => {
    const created = await admin.qubicleQueues.create({ accountId, data: { queue_name: 'Support', agent_connect_timeout: 15, queue_timeout: 300 }, acceptCharges: true });
    const queue = created.data;
    assert.equal(created.status, 'success');
    assert.match(queue.id, /^[0-9a-f]{32}$/);
    assert.equal(queue.name, 'Support');
    assert.equal(queue.ring_timeout, 15);
    assert.equal(queue.timeout, 300);
    assert.ok(!('queue_name' in queue) && !('ui_metadata' in queue));

    const got = await admin.qubicleQueues.get({ accountId, queueId: queue.id });
    assert.deepEqual(got.data, queue);
    assert.equal(got.revision, created.revision);

    // update: the SDK takes the queue id from data.id when queueId is not given
    const updated = await admin.qubicleQueues.update({ accountId, data: { ...got.data, name: 'Support EU', queue_router: 'route_most_idle' } });
    assert.equal(updated.data.name, 'Support EU');
    assert.equal(updated.data.queue_router, 'route_most_idle');
    assert.notEqual(updated.revision, created.revision);
    const patched = await admin.qubicleQueues.patch({ accountId, queueId: queue.id, data: { queue_timeout: 120 } });
    assert.equal(patched.data.timeout, 120);
    assert.equal(patched.data.name, 'Support EU');
    const list = await admin.qubicleQueues.list({ accountId, filters: { paginate: false } });
    assert.deepEqual(list.data, [{ id: queue.id, name: 'Support EU' }]);
    assert.equal(list.page_size, 1);

    const set = await admin.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: [bob.id, alice.id] });
    assert.deepEqual(set.data, [alice.id, bob.id].sort());
    assert.deepEqual((await admin.qubicleQueues.listRecipients({ accountId, queueId: queue.id })).data, [alice.id, bob.id].sort());
    assert.deepEqual(await sys.store.getRoster(accountId, queue.id), [alice.id, bob.id].sort(), 'stored');
    assert.deepEqual((await admin.qubicleQueues.listAllRecipients({ accountId })).data, { [queue.id]: [alice.id, bob.id].sort() });
    const membership = await admin.qubicleRecipients.getQueueMembership({ accountId, data: { recipient_ids: [alice.id, supervisor.id] } });
    assert.deepEqual(membership.data, { [alice.id]: [queue.id], [supervisor.id]: [] });

    const cleared = await admin.qubicleQueues.deleteRecipients({ accountId, queueId: queue.id });
    assert.deepEqual(cleared.data, []);
    assert.deepEqual(await sys.store.getRoster(accountId, queue.id), []);
  });

  it('a roster naming a user of another account, or an unknown one → 400 with the field and rule, nothing changed', async () => {
    const queue = (await admin.qubicleQueues.create({ accountId, data: { name: 'Sales' } })).data;
    await admin.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: { recipients: [alice.id] } });
    const otherAccount = newKazooId();
    await sys.store.createAccount({ id: otherAccount, name: `other-${otherAccount.slice(0, 6)}`, api_key: newKazooId(), features: { pro: false }, qubicle: { missed_call_threshold: 3 }, created: 1, modified: 1 });
    const foreign = newKazooId();
    await sys.store.createUser({ id: foreign, account_id: otherAccount, first_name: 'F', last_name: 'Oreign', username: 'foreign', priv_level: 'user', enabled: true, qubicle: { enabled: true, permissions: { monitor: false } } }, null);
    for (const bad of [foreign, newKazooId()]) {
      const err = await refusal(admin.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: [bob.id, bad] }));
      assert.equal(err.httpErrorStatus, 400);
      assert.equal(err['error'], '400');
      assert.equal(err['message'], 'invalid data');
      assert.equal(err['data'].recipients.unknown_recipient.cause, bad);
      assert.deepEqual(await sys.store.getRoster(accountId, queue.id), [alice.id], 'nothing changed');
    }
  });

  it('roles: a manager of the queue edits its roster; a plain user cannot; only admins create or delete', async () => {
    const queue = (await admin.qubicleQueues.create({ accountId, data: { name: 'Escalations' } })).data;
    const sam = kazooSdk({ apiRoot: `${sys.url}/v2/`, authToken: supervisor.token });
    const plain = kazooSdk({ apiRoot: `${sys.url}/v2/`, authToken: alice.token });
    assert.equal((await refusal(sam.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: [alice.id] }))).httpErrorStatus, 403);
    const roles = await admin.qubicleQueues.updateRoles({ accountId, queueId: queue.id, data: { managers: [supervisor.id] } });
    assert.deepEqual(roles.data, { managers: [supervisor.id] });
    assert.deepEqual((await sam.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: [alice.id] })).data, [alice.id]);
    assert.equal((await refusal(plain.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: [bob.id] }))).httpErrorStatus, 403);
    assert.equal((await refusal(sam.qubicleQueues.create({ accountId, data: { name: 'Mine' } }))).httpErrorStatus, 403);
    assert.equal((await refusal(sam.qubicleQueues.delete({ accountId, queueId: queue.id }))).httpErrorStatus, 403);
    assert.deepEqual((await plain.qubicleQueues.listRecipients({ accountId, queueId: queue.id })).data, [alice.id], 'plain users read');
  });

  it('delete answers the document, takes the roster with it; then the SDK gets 404 bad identifier', async () => {
    const queue = (await admin.qubicleQueues.create({ accountId, data: { name: 'Temporary' } })).data;
    await admin.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: [bob.id] });
    const deleted = await admin.qubicleQueues.delete({ accountId, queueId: queue.id });
    assert.equal(deleted.data.id, queue.id);
    assert.equal(await sys.store.getRoster(accountId, queue.id), null);
    const err = await refusal(admin.qubicleQueues.get({ accountId, queueId: queue.id }));
    assert.equal(err.httpErrorStatus, 404);
    assert.equal(err['message'], 'bad identifier');
    const bad = await refusal(admin.qubicleQueues.create({ accountId, data: { name: 'x', ring_timeout: 0 } }));
    assert.equal(bad.httpErrorStatus, 400);
    assert.ok(bad['data'].ring_timeout.minimum, 'the field and the rule');
  });
  it('the live methods: getStatus, listStatus, getEnsureStarted; updateSessions (remove, assign) of a caller not in the queue → 404', async () => {
    const queue = (await admin.qubicleQueues.create({ accountId, data: { name: 'Live' } })).data;
    await admin.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: [alice.id] });
    const status = await admin.qubicleQueues.getStatus({ accountId, queueId: queue.id });
    assert.equal(status.data.stats.recipient_count, 1);
    assert.equal(status.data.node, sys.worker.node);
    const all = await admin.qubicleQueues.listStatus({ accountId });
    assert.equal(all.data[queue.id].stats.recipient_count, 1);
    const started = await admin.qubicleQueues.getEnsureStarted({ accountId });
    assert.deepEqual(started.data[queue.id], { node: sys.worker.node, started: false });
    const err = await refusal(admin.qubicleQueues.updateSessions({ accountId, queueId: queue.id, sessionId: 'nobody-waits', data: { action: 'remove' } }));
    assert.equal(err.httpErrorStatus, 404);
    assert.equal(err['data'].cause, 'nobody-waits');
    const assign = await refusal(admin.qubicleQueues.updateSessions({ accountId, queueId: queue.id, sessionId: 'nobody-waits', data: { action: 'assign', recipient_id: alice.id } }));
    assert.equal(assign.httpErrorStatus, 404);
    assert.equal(assign['data'].cause, 'nobody-waits');
  });
});
