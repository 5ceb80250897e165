/**
 * End to end: every qubicleRecipients method of the Monster UI KAZOO SDK (the harness of
 * test/support/kazoo-sdk.ts, the same one the qubicleQueues methods go through in
 * queues-api.test.ts) → real listening gateway → real RabbitMQ (fresh vhost) → worker → SQLite.
 * The SDK's quirks the server must take: `{"data": …}` on every non-GET (a DELETE too), its
 * ui_metadata, the jQuery cache buster on GETs, `update` taking the user id from `data.id`.
 */
import { strict as assert } from 'node:assert';
import { kazooSdk, sdkRefusal as refusal, type KazooSdk } from '../support/kazoo-sdk.js';
import { startSystem, type System } from '../support/system.js';

describe('e2e: qubicle_recipients API through the KAZOO SDK', function () {
  this.timeout(60_000);
  let sys: System;
  let admin: KazooSdk;
  let agentSdk: KazooSdk;
  let accountId: string;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };

  before(async () => {
    sys = await startSystem();
    accountId = sys.accountId;
    admin = kazooSdk({ apiRoot: `${sys.url}/v2/`, authToken: sys.adminToken, uiMetadata: { version: '4.3-e2e', ui: 'monster-ui', origin: 'callcenter' } });
    alice = await sys.createUser({ first_name: 'Alice', last_name: 'Agent' });
    bob = await sys.createUser({ first_name: 'Bob', last_name: 'Agent' });
    agentSdk = kazooSdk({ apiRoot: `${sys.url}/v2/`, authToken: alice.token, uiMetadata: { ui: 'monster-ui' } });
  });
  after(async () => {
    await sys?.stop();
  });

  it('list and get: the recipients, then one users document (no credentials)', async () => {
    const list = await admin.qubicleRecipients.list({ accountId, filters: { paginate: false } });
    assert.ok(list.data.some((r: { id: string; name: string }) => r.id === alice.id && r.name === 'Alice Agent'));
    const got = await admin.qubicleRecipients.get({ accountId, userId: alice.id });
    assert.equal(got.data.id, alice.id);
    assert.equal(got.data.qubicle.enabled, true);
    assert.ok(!('password' in got.data) && typeof got.revision === 'string');
  });

  it('updateStatus: login, ready, away for a queue; getStatus reads each; listStatus reads many', async () => {
    const queueId = 'c6564319c5996b0db6f4e53d69db79d8';
    assert.deepEqual((await agentSdk.qubicleRecipients.updateStatus({ accountId, userId: alice.id, data: { status: 'login' } })).data, { status: 'login' });
    assert.equal((await agentSdk.qubicleRecipients.getStatus({ accountId, userId: alice.id })).data.availability_state, 'Away');
    await agentSdk.qubicleRecipients.updateStatus({ accountId, userId: alice.id, data: { status: 'ready' } });
    const ready = (await agentSdk.qubicleRecipients.getStatus({ accountId, userId: alice.id })).data;
    assert.equal(ready.availability_state, 'Ready');
    assert.equal(ready.available, true);
    const away = await agentSdk.qubicleRecipients.updateStatus({ accountId, userId: alice.id, data: { status: 'away', queue_id: queueId } });
    assert.deepEqual(away.data, { status: 'away', queue_id: queueId });
    assert.deepEqual((await agentSdk.qubicleRecipients.getStatus({ accountId, userId: alice.id })).data.queue_availability, { [queueId]: false });
    const many = await admin.qubicleRecipients.listStatus({ accountId, data: { recipient_ids: [alice.id, bob.id] } });
    assert.equal(many.data[alice.id].availability_state, 'Ready');
    assert.equal(many.data[bob.id], 'not_logged_in');
  });

  it('update and updateState: the actions (logout), the user id from data.id when not given', async () => {
    assert.deepEqual((await agentSdk.qubicleRecipients.updateState({ accountId, userId: alice.id, data: { action: 'logout' } })).data, { action: 'logout' });
    assert.equal((await agentSdk.qubicleRecipients.getStatus({ accountId, userId: alice.id })).data.availability_state, 'Not-Logged-In');
    // `update` with no userId: the SDK fills the last placeholder of a POST from data.id
    assert.deepEqual((await admin.qubicleRecipients.update({ accountId, data: { id: bob.id, action: 'login' } })).data, { action: 'login' });
    assert.equal((await admin.qubicleRecipients.getStatus({ accountId, userId: bob.id })).data.availability_state, 'Away');
  });

  it('updateDisable / updateEnable (admins): the document answered; a plain user gets 403, nothing changed', async () => {
    const err = await refusal(agentSdk.qubicleRecipients.updateDisable({ accountId, userId: bob.id }));
    assert.equal(err.httpErrorStatus, 403);
    assert.equal((await admin.qubicleRecipients.get({ accountId, userId: bob.id })).data.qubicle.enabled, true, 'nothing changed');
    const disabled = await admin.qubicleRecipients.updateDisable({ accountId, userId: bob.id });
    assert.equal(disabled.data.qubicle.enabled, false);
    const enabled = await admin.qubicleRecipients.updateEnable({ accountId, userId: bob.id });
    assert.equal(enabled.data.qubicle.enabled, true);
    assert.notEqual(enabled.revision, disabled.revision);
  });

  it('the errors the SDK parses: a plain user acting on another → 403, an unknown action → 400 with the field', async () => {
    const before = (await admin.qubicleRecipients.getStatus({ accountId, userId: bob.id })).data;
    const forbidden = await refusal(agentSdk.qubicleRecipients.updateStatus({ accountId, userId: bob.id, data: { status: 'ready' } }));
    assert.equal(forbidden.httpErrorStatus, 403);
    assert.equal(forbidden['status'], 'error');
    const bad = await refusal(admin.qubicleRecipients.updateState({ accountId, userId: bob.id, data: { action: 'dance' } }));
    assert.equal(bad.httpErrorStatus, 400);
    assert.equal(bad['message'], 'invalid data');
    assert.ok(bad['data'].action, 'the field');
    assert.deepEqual((await admin.qubicleRecipients.getStatus({ accountId, userId: bob.id })).data, before, 'nothing changed');
  });

  it('getQueueMembership: the queues each recipient is on', async () => {
    const queue = (await admin.qubicleQueues.create({ accountId, data: { name: 'Membership' } })).data;
    await admin.qubicleQueues.updateRecipients({ accountId, queueId: queue.id, data: [bob.id] });
    const m = await admin.qubicleRecipients.getQueueMembership({ accountId, data: { recipient_ids: [alice.id, bob.id] } });
    assert.deepEqual(m.data, { [alice.id]: [], [bob.id]: [queue.id] });
  });
});
