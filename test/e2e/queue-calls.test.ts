/**
 * End to end: the queue side routes calls. A caller's session is created and joins a queue over
 * KAZOO's qubicle_session messages (on qubicle.queue.sessions); the worker's queue process offers
 * it to a Ready member through the offer command; the media side's answer delivers it; the
 * caller's hang-up ends it. Real RabbitMQ (fresh vhost), real worker, SQLite.
 */
import { strict as assert } from 'node:assert';
import {
  newKazooId,
  type RecipientEvent,
} from '@qubicle/contracts';
import { QueueBusClient, type RecipientBusClient } from '@qubicle/client';
import { busClient, EventLog } from '../support/events.js';
import { QueueEventLog } from '../support/queue-events.js';
import { createSession, deleteSession, joinQueue, kazooSession } from '../support/kazoo-sessions.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

describe('e2e: a queue routes calls (KAZOO sessions → queue process → offer → answer)', function () {
  this.timeout(40_000);
  let sys: System;
  let t: Tenant;
  let A: string;
  let client: RecipientBusClient;
  let queues: QueueBusClient;
  let events: EventLog;
  let qevents: QueueEventLog;
  let Q = '';
  let r1: string;

  const kazoo = (body: Record<string, unknown>): Promise<unknown> => kazooSession(sys, body);
  const callOf = (callId: string) => ({ 'Call-ID': callId, 'Caller-ID-Name': `Caller ${callId.slice(0, 4)}`, 'Caller-ID-Number': '+15550001' });

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'queue-calls');
    A = t.accountId;
    client = busClient(sys);
    queues = new QueueBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, timeoutMs: 5_000, service: 'e2e-supervisor' });
    events = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${A}.*.*`]);
    qevents = await QueueEventLog.start(sys, A);
    r1 = await t.addRecipient();
    // through the queue API: the create starts the queue's process, the roster reaches it
    const created = await sys.api('PUT', `/v2/accounts/${A}/qubicle_queues`, { data: { name: 'Sales', ring_timeout: 15, agent_wrapup_time: 0 } }, t.adminToken);
    assert.equal(created.status, 201, created.text);
    Q = created.body.data.id;
    const roster = await sys.api('POST', `/v2/accounts/${A}/qubicle_queues/${Q}/recipients`, { data: [r1] }, t.adminToken);
    assert.equal(roster.status, 200, roster.text);
    await client.login(A, r1);
    await client.setStatus(A, r1, 'ready');
    const started = await queues.ensureStarted(A, [Q]);
    assert.deepEqual(started[Q], { node: sys.worker.node, started: false });
    await qevents.waitFor((e) => e.queue_id === Q && e.event === 'create', 'the queue create event');
  });
  after(async () => {
    await events?.stop();
    await qevents?.stop();
  });

  async function enter(callId: string): Promise<string> {
    const created = await createSession(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Session-Type': 'callflow' });
    assert.ok(created.ok && created.value.Result === 'ok', JSON.stringify(created));
    const sessionId = (created.value as { 'Session-ID': string })['Session-ID'];
    const joined = await joinQueue(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': sessionId });
    assert.ok(joined.ok, JSON.stringify(joined));
    assert.equal(joined.value.Result, 'ok', JSON.stringify(joined.value));
    return sessionId;
  }

  it('join → the queue offers it to the Ready member → answer delivers it → the caller hangs up: handled', async () => {
    const from = events.mark;
    const callId = `call-${newKazooId()}`;
    const sessionId = await enter(callId);
    const offer: RecipientEvent = await events.waitFor((e) => e.recipient_id === r1 && e.event === 'offer' && e.call?.session_id === sessionId, 'the offer to r1', 8_000, from);
    assert.equal(offer.call?.queue_id, Q);
    assert.equal(offer.call?.caller_id_number, '+15550001');

    const ringing = await queues.sessions(A, Q);
    assert.equal(ringing.sessions.length, 1);
    assert.equal(ringing.sessions[0]?.state, 'ringing');
    assert.equal(ringing.sessions[0]?.recipient_id, r1);

    await client.answer(A, r1, sessionId); // the media side: the recipient picked up
    const delivered = await qevents.waitFor((e) => e.queue_id === Q && e.event === 'delivered' && e.caller?.session_id === sessionId, 'the delivered queue event');
    assert.equal(delivered.recipient_id, r1);
    await qevents.waitFor((e) => e.event === 'leave' && e.caller?.session_id === sessionId && e.reason === 'delivered', 'the leave (delivered) event');

    const ended = await deleteSession(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId });
    assert.ok(ended.ok && ended.value.Result === 'ok', JSON.stringify(ended));
    assert.equal((ended.value as { 'End-Reason': string })['End-Reason'], 'handled');
    await client.hangup(A, r1, sessionId);

    const status = (await queues.status(A, [Q]))[Q];
    assert.ok(status && status !== 'unknown_queue');
    assert.equal(status.status.stats.total_sessions, 1);
    assert.equal(status.status.stats.active_session_count, 0);
    assert.equal(status.status.node, sys.worker.node);
    assert.equal(status.status.service_level.day.answered, 1);
  });

  it('the caller hangs up while ringing: the offer is withdrawn (not a miss) and the caller is abandoned', async () => {
    await client.setStatus(A, r1, 'ready').catch(() => undefined);
    await events.waitFor((e) => e.recipient_id === r1 && e.status.availability_state === 'Ready', 'r1 Ready again', 8_000, 0);
    const from = events.mark;
    const callId = `call-${newKazooId()}`;
    const sessionId = await enter(callId);
    await events.waitFor((e) => e.recipient_id === r1 && e.event === 'offer' && e.call?.session_id === sessionId, 'the offer to r1', 8_000, from);
    const ended = await deleteSession(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId });
    assert.ok(ended.ok && ended.value.Result === 'ok', JSON.stringify(ended));
    assert.equal((ended.value as { 'End-Reason': string })['End-Reason'], 'abandoned');
    const withdrawn = await events.waitFor((e) => e.recipient_id === r1 && e.event === 'withdraw' && e.call?.session_id === sessionId, 'the withdraw', 8_000, from);
    assert.equal(withdrawn.reason, 'caller_hangup');
    assert.equal(events.of(r1, 'miss').filter((e) => e.call?.session_id === sessionId).length, 0, 'no miss');
    await qevents.waitFor((e) => e.event === 'leave' && e.caller?.session_id === sessionId && e.reason === 'abandoned', 'the leave (abandoned) event');
  });

  it('a redelivered join (same Msg-ID) is applied once; an unknown queue is refused', async () => {
    const callId = `call-${newKazooId()}`;
    const created = await createSession(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Session-Type': 'callflow' });
    assert.ok(created.ok && created.value.Result === 'ok');
    const sessionId = (created.value as { 'Session-ID': string })['Session-ID'];
    const unknown = await joinQueue(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Join-Queue-ID': newKazooId(), 'Session-ID': sessionId });
    assert.ok(unknown.ok);
    assert.deepEqual([unknown.value.Result, (unknown.value as { Reason?: string }).Reason], ['failed', 'unknown_queue']);
    // r1 is not Ready (away): the caller waits
    await client.setStatus(A, r1, 'away');
    const msgId = newKazooId();
    const join = { 'Msg-ID': msgId, 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': sessionId };
    const first = await joinQueue(sys, join);
    const again = await joinQueue(sys, join);
    assert.ok(first.ok && again.ok);
    assert.deepEqual(again.value, first.value);
    const waiting = await queues.sessions(A, Q);
    assert.equal(waiting.sessions.filter((s) => s.session_id === sessionId).length, 1, 'in the queue once');
    const joins = qevents.events.filter((e) => e.event === 'join' && e.caller?.session_id === sessionId);
    assert.equal(joins.length, 1);
    await kazoo({ 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId });
  });
});
