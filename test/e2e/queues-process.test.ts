/**
 * End to end: the queue API drives the queue's process. A queue created through HTTP runs at once;
 * its roster, set through HTTP, is who it offers calls to; a PATCH reaches the running process; a
 * DELETE stops it (the callers exit, the queue's `delete` event); the live routes (status,
 * sessions, a supervisor's action — remove, assign —, ensure_started) answer from it. Members log in and go Ready
 * through HTTP; the callers come as KAZOO's qubicle_session messages on the bus. Real RabbitMQ
 * (fresh vhost), real worker and gateway, SQLite.
 */
import { strict as assert } from 'node:assert';
import {
  newKazooId,
  type RecipientEvent,
} from '@qubicle/contracts';
import { QueueBusClient } from '@qubicle/client';
import { EventLog, busClient } from '../support/events.js';
import { QueueEventLog } from '../support/queue-events.js';
import { createSession, deleteSession, joinQueue, kazooSession } from '../support/kazoo-sessions.js';
import { TestClient, subscribed } from '../../services/api-gateway/test/live/test-client.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

describe('e2e: the queue API drives the queue process (create, roster, patch, delete)', function () {
  this.timeout(60_000);
  let sys: System;
  let t: Tenant;
  let A: string;
  let queues: QueueBusClient;
  let events: EventLog;
  let qevents: QueueEventLog;
  let r1: string;
  let Q = '';
  let ws: TestClient | undefined;
  const path = (rest = '') => `/v2/accounts/${A}/qubicle_queues${rest}`;

  const kazoo = (body: Record<string, unknown>): Promise<unknown> => kazooSession(sys, body);
  const callOf = (callId: string) => ({ 'Call-ID': callId, 'Caller-ID-Name': 'Wired Caller', 'Caller-ID-Number': '+15550002' });

  async function session(callId: string): Promise<string> {
    const created = await createSession(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Session-Type': 'callflow' });
    assert.ok(created.ok && created.value.Result === 'ok', JSON.stringify(created));
    return (created.value as { 'Session-ID': string })['Session-ID'];
  }
  async function join(callId: string, sessionId: string): Promise<{ Result: string; Reason?: string }> {
    const joined = await joinQueue(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': sessionId });
    assert.ok(joined.ok, JSON.stringify(joined));
    return joined.value as { Result: string; Reason?: string };
  }
  const offerTo = (r: string, sessionId: string, from: number) =>
    events.waitFor((e: RecipientEvent) => e.recipient_id === r && e.event === 'offer' && e.call?.session_id === sessionId, `the offer of ${sessionId} to ${r}`, 8_000, from);

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'queues-process');
    A = t.accountId;
    queues = new QueueBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, timeoutMs: 5_000, service: 'e2e-supervisor' });
    events = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${A}.*.*`]);
    qevents = await QueueEventLog.start(sys, A);
    r1 = await t.addRecipient();
  });
  after(async () => {
    ws?.terminate();
    await events?.stop();
    await qevents?.stop();
  });

  it('a queue created through HTTP runs at once; the roster set through HTTP is offered the call; answer and hang-up end it handled', async () => {
    // a wallboard on the event websocket: the queue's events of this account
    ws = await TestClient.open(`${sys.url.replace(/^http/, 'ws')}/socket`);
    await subscribed(ws, t.adminToken, { account_id: A, binding: 'qubicle.queue.*' });
    const created = await sys.api('PUT', path(), { data: { name: 'Wired', ring_timeout: 25, agent_wrapup_time: 0 } }, t.adminToken);
    assert.equal(created.status, 201, created.text);
    Q = created.body.data.id;
    // the create started its process: nobody asked ensure_started
    const createEvent = await qevents.waitFor((e) => e.queue_id === Q && e.event === 'create', 'the queue create event');
    assert.equal(createEvent.status.stats.recipient_count, 0);

    const roster = await sys.api('POST', path(`/${Q}/recipients`), { data: [r1] }, t.adminToken);
    assert.equal(roster.status, 200, roster.text);
    assert.equal((await t.action(r1, { action: 'login' })).status, 200);
    assert.equal((await t.setStatus(r1, { status: 'ready' })).status, 200);

    const from = events.mark;
    const callId = `wired-${newKazooId()}`;
    const sessionId = await session(callId);
    assert.equal((await join(callId, sessionId)).Result, 'ok');
    const offer = await offerTo(r1, sessionId, from);
    assert.equal(offer.call?.queue_id, Q);
    // the queue's events reached the websocket too
    const live = await ws.next((m) => m['name'] === 'join' && m['data']['caller']?.['session_id'] === sessionId, 8_000);
    assert.equal(live['routing_key'], `qubicle.queue.${A}.${Q}.join`);
    assert.ok(ws.events().some((m) => m['name'] === 'create' && m['data']['queue_id'] === Q), 'the create event on the websocket');
    assert.equal(offer.status.availability_state, 'Call-Offer');
    const st = await t.status(r1);
    assert.equal(st.availability_state, 'Call-Offer');

    await busClient(sys).answer(A, r1, sessionId); // the media side: the recipient picked up
    await qevents.waitFor((e) => e.queue_id === Q && e.event === 'delivered' && e.caller?.session_id === sessionId, 'the delivered event');
    await qevents.waitFor((e) => e.queue_id === Q && e.event === 'leave' && e.caller?.session_id === sessionId && e.reason === 'delivered', 'the leave (delivered) event');
    const ended = await deleteSession(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId });
    assert.ok(ended.ok && ended.value.Result === 'ok', JSON.stringify(ended));
    assert.equal((ended.value as { 'End-Reason': string })['End-Reason'], 'handled');
    await busClient(sys).hangup(A, r1, sessionId);
    await events.waitFor((e) => e.recipient_id === r1 && e.status.availability_state === 'Ready', 'r1 Ready after the call', 8_000, from);

    const status = (await queues.status(A, [Q]))[Q];
    assert.ok(status && status !== 'unknown_queue');
    assert.equal(status.status.stats.recipient_count, 1);
    assert.equal(status.status.service_level.day.answered, 1);
  });

  it('a cleared roster offers nobody; a PATCH reaches the running queue; the roster set again offers the waiting caller', async () => {
    assert.equal((await sys.api('DELETE', path(`/${Q}/recipients`), undefined, t.adminToken)).status, 200);
    const from = events.mark;
    const callId = `wired-${newKazooId()}`;
    const sessionId = await session(callId);
    assert.equal((await join(callId, sessionId)).Result, 'ok');
    const waiting = await queues.sessions(A, Q);
    assert.deepEqual(waiting.sessions.map((s) => [s.session_id, s.state]), [[sessionId, 'waiting']], 'r1 is Ready but off the roster: not offered');
    const status = (await queues.status(A, [Q]))[Q];
    assert.ok(status && status !== 'unknown_queue');
    assert.equal(status.status.stats.recipient_count, 0);

    // the patch is in the running queue: with nobody logged in on the (empty) roster, a new caller is turned away
    const patched = await sys.api('PATCH', path(`/${Q}`), { data: { timeout_immediately_if_empty: true } }, t.adminToken);
    assert.equal(patched.status, 200, patched.text);
    const other = `wired-${newKazooId()}`;
    const refused = await join(other, await session(other));
    assert.deepEqual([refused.Result, refused.Reason], ['failed', 'empty']);

    assert.equal((await sys.api('POST', path(`/${Q}/recipients`), { data: [r1] }, t.adminToken)).status, 200);
    await offerTo(r1, sessionId, from);
    await kazoo({ 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId });
    await events.waitFor((e) => e.recipient_id === r1 && e.event === 'withdraw' && e.call?.session_id === sessionId, 'the withdraw on hang-up', 8_000, from);
  });

  it('the live routes over HTTP: status (one, all), sessions, ensure_started; a manager of the queue removes a waiting caller', async () => {
    assert.equal((await t.setStatus(r1, { status: 'away' })).status, 200);
    const callId = `wired-${newKazooId()}`;
    const sessionId = await session(callId);
    assert.equal((await join(callId, sessionId)).Result, 'ok');

    const one = await sys.api('GET', path(`/${Q}/status`), undefined, t.adminToken);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.data.stats.active_session_count, 1);
    assert.equal(one.body.data.stats.recipient_count, 1);
    assert.equal(one.body.data.node, sys.worker.node);
    const all = await sys.api('GET', path('/status'), undefined, t.adminToken);
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(Object.keys(all.body.data), [Q]);
    const started = await sys.api('GET', path('/ensure_started'), undefined, t.adminToken);
    assert.equal(started.status, 200, started.text);
    assert.deepEqual(started.body.data, { [Q]: { node: sys.worker.node, started: false } });
    const listed = await sys.api('GET', path(`/${Q}/sessions`), undefined, t.adminToken);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.data.map((s: { session_id: string; state: string; position: number }) => [s.session_id, s.state, s.position]), [[sessionId, 'waiting', 1]]);

    const lead = await t.addUser({ first_name: 'Team', last_name: 'Lead', qubicle: { enabled: false } });
    const plain = await sys.api('POST', path(`/${Q}/sessions/${sessionId}`), { data: { action: 'remove' } }, lead.token);
    assert.equal(plain.status, 403, plain.text);
    assert.equal((await sys.api('POST', path(`/${Q}/roles`), { data: { managers: [lead.id] } }, t.adminToken)).status, 200);
    const removed = await sys.api('POST', path(`/${Q}/sessions/${sessionId}`), { data: { action: 'remove' } }, lead.token);
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.body.data.done, true);
    const leave = await qevents.waitFor((e) => e.queue_id === Q && e.event === 'leave' && e.caller?.session_id === sessionId, 'the leave of the removed caller');
    assert.equal(leave.reason, 'exited');
    const again = await sys.api('POST', path(`/${Q}/sessions/${sessionId}`), { data: { action: 'remove' } }, lead.token);
    assert.equal(again.status, 404, again.text);
    assert.equal(again.body.message, 'bad identifier');
    await kazoo({ 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId });
  });

  it('a supervisor assigns over HTTP: 403 for a plain user, 404, 400 not_a_member, 409 ringing / unavailable; a busy member is offered the assigned caller first', async () => {
    const r2 = await t.addRecipient();
    const outsider = await t.addRecipient();
    assert.equal((await sys.api('POST', path(`/${Q}/recipients`), { data: [r1, r2] }, t.adminToken)).status, 200);
    assert.equal((await t.setStatus(r1, { status: 'ready' })).status, 200);
    const from = events.mark;
    const callA = `wired-${newKazooId()}`;
    const a = await session(callA);
    assert.equal((await join(callA, a)).Result, 'ok');
    await offerTo(r1, a, from);
    const callB = `wired-${newKazooId()}`;
    const b = await session(callB);
    assert.equal((await join(callB, b)).Result, 'ok');
    const assign = (sessionId: string, recipientId: string, token = t.adminToken) =>
      sys.api('POST', path(`/${Q}/sessions/${sessionId}`), { data: { action: 'assign', recipient_id: recipientId } }, token);

    const plain = await t.addUser({ first_name: 'Not', last_name: 'Manager', qubicle: { enabled: false } });
    const forbidden = await assign(b, r1, plain.token);
    assert.equal(forbidden.status, 403, forbidden.text);
    const unknown = await assign('nobody-waits', r1);
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.body.message, 'bad identifier');
    assert.equal(unknown.body.data.cause, 'nobody-waits');
    const notMember = await assign(b, outsider);
    assert.equal(notMember.status, 400, notMember.text);
    assert.ok(notMember.body.data.recipient_id.not_a_member, notMember.text);
    const ringing = await assign(a, r2);
    assert.equal(ringing.status, 409, ringing.text);
    assert.equal(ringing.body.data.cause, 'session_ringing');
    const unavailable = await assign(b, r2); // r2 is not logged in
    assert.equal(unavailable.status, 409, unavailable.text);
    assert.equal(unavailable.body.data.cause, 'recipient_unavailable');
    assert.equal((await queues.sessions(A, Q)).sessions.find((s) => s.session_id === b)?.state, 'waiting', 'refusals changed nothing');

    // r1 rings A: B is theirs next; r2 logs in and goes Ready meanwhile, yet B waits for r1
    const assigned = await assign(b, r1);
    assert.equal(assigned.status, 200, assigned.text);
    assert.deepEqual(assigned.body.data, { queue_id: Q, session_id: b, action: 'assign', done: true, recipient_id: r1, offered: false });
    const event = await qevents.waitFor((e) => e.queue_id === Q && e.event === 'assign' && e.caller?.session_id === b, 'the assign event');
    assert.equal(event.recipient_id, r1);
    assert.equal(event.assigned_by, t.adminId);
    assert.equal((await t.action(r2, { action: 'login' })).status, 200);
    assert.equal((await t.setStatus(r2, { status: 'ready' })).status, 200);
    await events.waitFor((e) => e.recipient_id === r2 && e.status.availability_state === 'Ready', 'r2 Ready', 8_000, from);
    const listed = (await sys.api('GET', path(`/${Q}/sessions`), undefined, t.adminToken)).body.data.find((s: { session_id: string }) => s.session_id === b);
    assert.deepEqual([listed?.state, listed?.assigned_to], ['waiting', r1], 'B waits for r1, not offered to r2');

    await busClient(sys).answer(A, r1, a);
    await qevents.waitFor((e) => e.queue_id === Q && e.event === 'delivered' && e.caller?.session_id === a, 'A delivered');
    await busClient(sys).hangup(A, r1, a);
    const offer = await offerTo(r1, b, from);
    assert.equal(offer.call?.queue_id, Q);
    await kazoo({ 'Account-ID': A, Call: callOf(callA), 'Call-ID': callA });
    await kazoo({ 'Account-ID': A, Call: callOf(callB), 'Call-ID': callB });
    await events.waitFor((e) => e.recipient_id === r1 && e.event === 'withdraw' && e.call?.session_id === b, 'the withdraw on hang-up', 8_000, from);
    assert.equal((await t.setStatus(r2, { status: 'away' })).status, 200);
  });

  it('DELETE stops the process: the waiting caller exits, the queue `delete` event, no status any more', async () => {
    assert.equal((await t.setStatus(r1, { status: 'away' })).status, 200);
    const callId = `wired-${newKazooId()}`;
    const sessionId = await session(callId);
    assert.equal((await join(callId, sessionId)).Result, 'ok');
    const deleted = await sys.api('DELETE', path(`/${Q}`), undefined, t.adminToken);
    assert.equal(deleted.status, 200, deleted.text);
    const del = await qevents.waitFor((e) => e.queue_id === Q && e.event === 'delete', 'the queue delete event');
    assert.equal(del.reason, 'deleted');
    const leave = await qevents.waitFor((e) => e.queue_id === Q && e.event === 'leave' && e.caller?.session_id === sessionId, 'the leave of the waiting caller');
    assert.equal(leave.reason, 'exited');
    assert.ok(qevents.events.indexOf(leave) < qevents.events.indexOf(del), 'the callers leave before the delete');
    assert.equal((await queues.status(A, [Q]))[Q], 'unknown_queue');
    const ended = await deleteSession(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId });
    assert.ok(ended.ok, JSON.stringify(ended));
  });
});
