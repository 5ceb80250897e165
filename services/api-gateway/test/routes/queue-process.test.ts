/**
 * The routes that ask the running queues (routes/queue-process.ts), through the real listening
 * gateway against the fake worker (its running queues: support/fake-queue-process.ts): what is sent
 * on which shard queue, the Crossbar envelopes, who may act on a session, and the route order
 * (`status`, `ensure_started`, `recipients` are no queue ids).
 */
import assert from 'node:assert/strict';
import { shardOf, shardQueue, type QueueSessionView } from '@qubicle/contracts';
import { newId } from '../support/fixtures.js';
import type { Harness } from '../support/harness.js';
import { ok, refused } from '../support/envelopes.js';
import { harnessEachTest } from '../support/each-test.js';

const caller = (sessionId: string, position: number): QueueSessionView => ({
  session_id: sessionId,
  call_id: `call-${sessionId}`,
  caller_id_name: 'Caller',
  caller_id_number: '+15550100',
  priority: 0,
  state: 'waiting',
  position,
  entered_at: '2026-12-03T12:00:00.000Z',
  wait: 12.5,
});

describe('routes/queue-process (the running queues)', () => {
  let h: Harness;
  let Q: string;
  harnessEachTest((started) => {
    h = started;
    Q = `${h.base}/qubicle_queues`;
  });
  const queueMessages = (type: string) => h.worker.received.filter((r) => r.body['type'] === type);

  it('GET …/{QID}/status: the queue’s live status from its shard; an unknown queue → 404 bad identifier', async () => {
    const q = h.worker.queues.add({ name: 'Sales' }, [h.fixture.agent.id]);
    const res = await h.request('GET', `${Q}/${q.id}/status`, { token: h.token.agent });
    ok(res);
    assert.equal(res.body.data.stats.recipient_count, 1);
    assert.equal(res.body.data.node, 'recipient-worker@test');
    assert.ok(res.body.data.service_level);
    const [sent] = queueMessages('get_queue_status');
    assert.ok(sent);
    assert.equal(sent.queue, shardQueue(shardOf(h.fixture.account.id, q.id, 4)));
    assert.deepEqual(sent.body['queue_ids'], [q.id]);
    const unknown = newId();
    const missing = await h.request('GET', `${Q}/${unknown}/status`, { token: h.token.agent });
    refused(missing, 404, 'bad identifier');
    assert.equal(missing.body.data.cause, unknown);
  });

  it('GET …/status and …/ensure_started: every queue of the account (not taken as a queue id)', async () => {
    const a = h.worker.queues.add({ name: 'A' });
    const b = h.worker.queues.add({ name: 'B' }, [h.fixture.agent.id]);
    const status = await h.request('GET', `${Q}/status`, { token: h.token.agent });
    ok(status);
    assert.deepEqual(Object.keys(status.body.data).sort(), [a.id, b.id].sort());
    assert.equal(status.body.data[b.id].stats.recipient_count, 1);
    const started = await h.request('GET', `${Q}/ensure_started`, { token: h.token.agent });
    ok(started);
    assert.deepEqual(started.body.data, { [a.id]: { node: 'recipient-worker@test', started: false }, [b.id]: { node: 'recipient-worker@test', started: false } });
    assert.equal(h.worker.directoryRequests('queue_get').length, 0, 'status / ensure_started never read as a queue id');
    // no queues: nothing asked of the shards
    h.worker.queues.queues.clear();
    h.worker.received.length = 0;
    const none = await h.request('GET', `${Q}/status`, { token: h.token.agent });
    ok(none);
    assert.deepEqual(none.body.data, {});
    assert.equal(queueMessages('get_queue_status').length, 0);
  });

  it('GET …/{QID}/sessions: the callers in routing order with page_size; unknown queue → 404', async () => {
    const q = h.worker.queues.add({ name: 'Sales' });
    h.worker.queueProcess.sessions.set(q.id, [caller('s1', 1), caller('s2', 2)]);
    const res = await h.request('GET', `${Q}/${q.id}/sessions`, { token: h.token.clerk });
    ok(res);
    assert.deepEqual(res.body.data.map((s: QueueSessionView) => s.session_id), ['s1', 's2']);
    assert.equal(res.body.page_size, 2);
    refused(await h.request('GET', `${Q}/${newId()}/sessions`, { token: h.token.agent }), 404, 'bad identifier');
  });

  it('POST …/sessions/{SID}: an admin or a manager of the queue assigns or removes; a plain user may not', async () => {
    const q = h.worker.queues.add({ name: 'Sales' }, [h.fixture.agent.id], [h.fixture.agent2.id]);
    h.worker.queueProcess.sessions.set(q.id, [caller('s1', 1)]);
    const path = `${Q}/${q.id}/sessions/s1`;
    refused(await h.request('POST', path, { token: h.token.agent, body: { data: { action: 'remove' } } }), 403);
    assert.equal(queueMessages('queue_session_action').length, 0, 'nothing sent for a refused user');
    const assign = await h.request('POST', path, { token: h.token.admin, body: { data: { action: 'assign', recipient_id: h.fixture.agent.id } } });
    ok(assign);
    assert.deepEqual(assign.body.data, { queue_id: q.id, session_id: 's1', action: 'assign', done: true, recipient_id: h.fixture.agent.id });
    const removed = await h.request('POST', path, { token: h.token.agent2, body: { data: { action: 'remove' } } });
    ok(removed);
    const sent = queueMessages('queue_session_action');
    assert.equal(sent.length, 2);
    assert.deepEqual([sent[0]!.body['action'], sent[0]!.body['recipient_id']], ['assign', h.fixture.agent.id]);
    assert.equal((sent[1]!.body['by'] as { user_id?: string }).user_id, h.fixture.agent2.id);
  });

  it('POST …/sessions/{SID}: bad bodies → 400 naming the field; refusals map to 404 / 400 / 409', async () => {
    const q = h.worker.queues.add({ name: 'Sales' });
    h.worker.queueProcess.sessions.set(q.id, [caller('s1', 1)]);
    const path = `${Q}/${q.id}/sessions/s1`;
    const noRecipient = await h.request('POST', path, { token: h.token.admin, body: { data: { action: 'assign' } } });
    refused(noRecipient, 400);
    assert.ok(noRecipient.body.data.recipient_id?.required);
    refused(await h.request('POST', path, { token: h.token.admin, body: { data: { action: 'transfer' } } }), 400);
    const unknown = await h.request('POST', `${Q}/${q.id}/sessions/nobody`, { token: h.token.admin, body: { data: { action: 'remove' } } });
    refused(unknown, 404, 'bad identifier');
    assert.equal(unknown.body.data.cause, 'nobody');
    h.worker.queueProcess.actionOutcome = { done: false, reason: 'not_a_member' };
    const notMember = await h.request('POST', path, { token: h.token.admin, body: { data: { action: 'assign', recipient_id: h.fixture.agent.id } } });
    refused(notMember, 400);
    assert.ok(notMember.body.data.recipient_id.not_a_member);
    h.worker.queueProcess.actionOutcome = { done: false, reason: 'session_ringing' };
    const ringing = await h.request('POST', path, { token: h.token.admin, body: { data: { action: 'assign', recipient_id: h.fixture.agent.id } } });
    refused(ringing, 409);
    assert.equal(ringing.body.data.cause, 'session_ringing');
    h.worker.queueProcess.actionOutcome = { done: false, reason: 'recipient_unavailable', offer_refusal: 'busy' };
    const busy = await h.request('POST', path, { token: h.token.admin, body: { data: { action: 'assign', recipient_id: h.fixture.agent.id } } });
    refused(busy, 409);
    assert.equal(busy.body.data.cause, 'recipient_unavailable');
    assert.match(busy.body.data.message, /busy/, 'the recipient’s refusal is told');
    refused(await h.request('POST', `${Q}/${newId()}/sessions/s1`, { token: h.token.admin, body: { data: { action: 'remove' } } }), 404, 'bad identifier');
  });
});
