/**
 * End to end: queue and session subscriptions of the event websocket, over the real RabbitMQ with
 * a real worker running the queue. Subscribing gives the queue's status and waiting callers at its
 * seq (and a session entry per caller), then every queue event after it in order, once; a
 * reconnect with `resume_queues` is replayed from the gateway's buffer; a gap longer than the
 * buffer (LIVE_RESUME_EVENTS = 4 here) gets a fresh entry flagged `resync`, then live events.
 */
import { strict as assert } from 'node:assert';
import { newKazooId } from '@qubicle/contracts';
import { TestClient, subscribed, type ServerMessage } from '../../services/api-gateway/test/live/test-client.js';
import { createSession, joinQueue } from '../support/kazoo-sessions.js';
import { QueueEventLog } from '../support/queue-events.js';
import { startSystem, type System } from '../support/system.js';

const RESUME_EVENTS = 4;

describe('e2e: queue snapshot and resume on the event websocket (RabbitMQ, real worker)', function () {
  this.timeout(60_000);
  let sys: System;
  let A: string;
  let Q: string;
  let qevents: QueueEventLog;
  let keeper: TestClient;
  const clients: TestClient[] = [];
  const connect = async () => {
    const c = await TestClient.open(`${sys.url.replace(/^http/, 'ws')}/socket`);
    clients.push(c);
    return c;
  };
  const callOf = (callId: string) => ({ 'Call-ID': callId, 'Caller-ID-Name': `Caller ${callId.slice(5, 9)}`, 'Caller-ID-Number': '+15550001' });
  /** A caller enters Q (KAZOO's create_session + join_queue); nobody is on its roster, so it waits. */
  async function enter(): Promise<string> {
    const callId = `call-${newKazooId()}`;
    const created = await createSession(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Session-Type': 'callflow' });
    assert.ok(created.ok && created.value.Result === 'ok', JSON.stringify(created));
    const sessionId = (created.value as { 'Session-ID': string })['Session-ID'];
    const joined = await joinQueue(sys, { 'Account-ID': A, Call: callOf(callId), 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': sessionId });
    assert.ok(joined.ok && joined.value.Result === 'ok', JSON.stringify(joined));
    return sessionId;
  }
  /** A supervisor removes a waiting caller (its leave event). */
  async function remove(sessionId: string): Promise<void> {
    const res = await sys.api('POST', `/v2/accounts/${A}/qubicle_queues/${Q}/sessions/${sessionId}`, { data: { action: 'remove' } }, sys.adminToken);
    assert.equal(res.status, 200, res.text);
  }
  const queueMsgs = (c: TestClient) => c.events().filter((m) => String(m['routing_key']).startsWith(`qubicle.queue.${A}.${Q}.`));
  const lastSeq = (c: TestClient) => Math.max(...queueMsgs(c).map((m) => m['data']['seq'] as number));
  /** The gateway has received every queue event up to `seq` (the keeper socket saw it). */
  const gatewayAt = (seq: number) => keeper.until(() => queueMsgs(keeper).some((m) => m['data']['seq'] === seq), 10_000);
  const assertContiguous = (msgs: ServerMessage[]) => {
    const seqs = msgs.map((m) => m['data']['seq'] as number);
    seqs.forEach((s, i) => i === 0 || assert.equal(s, seqs[i - 1]! + 1, `contiguous queue seqs: ${seqs.join(' ')}`));
  };

  before(async () => {
    sys = await startSystem({ env: { LIVE_RESUME_EVENTS: String(RESUME_EVENTS) } });
    A = sys.accountId;
    qevents = await QueueEventLog.start(sys, A);
    const created = await sys.api('PUT', `/v2/accounts/${A}/qubicle_queues`, { data: { name: 'Live Line', ring_timeout: 15, agent_wrapup_time: 0 } }, sys.adminToken);
    assert.equal(created.status, 201, created.text);
    Q = created.body.data.id;
    await qevents.waitFor((e) => e.queue_id === Q && e.event === 'create', 'the queue create event');
    keeper = await connect();
    await subscribed(keeper, sys.adminToken, { account_id: A, binding: `qubicle.queue.${Q}` });
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await qevents?.stop();
    await sys?.stop();
  });

  let first: TestClient;

  it('subscribe: the queue\'s status and waiting callers at its seq, a session entry per caller, then every event after it once', async () => {
    const s1 = await enter();
    await qevents.waitFor((e) => e.event === 'join' && e.caller?.session_id === s1, 'the first join');
    first = await connect();
    const { complete } = await subscribed(first, sys.adminToken, { account_id: A, bindings: ['qubicle.queue.*', 'qubicle.session.*'] });
    assert.equal(complete['data']['queues'], 1);
    assert.equal(complete['data']['sessions'], 1);
    assert.deepEqual(complete['data']['queues_resumed'], []);
    const snap = first.events('snapshot').find((m) => m['routing_key'] === `qubicle.queue.${A}.${Q}.snapshot`)!;
    assert.ok(snap, 'the queue snapshot entry');
    assert.equal(snap['subscribed_key'], 'qubicle.queue.*');
    assert.deepEqual(snap['data']['sessions'].map((s: { session_id: string }) => s.session_id), [s1]);
    assert.equal(snap['data']['sessions'][0]['state'], 'waiting');
    assert.equal(snap['data']['status']['stats']['active_session_count'], 1);
    const seqAtSnapshot = snap['data']['seq'] as number;
    assert.equal(seqAtSnapshot, qevents.events.filter((e) => e.queue_id === Q).at(-1)!.seq, 'the snapshot is at the last event published');
    const session = first.events('snapshot').find((m) => m['routing_key'] === `qubicle.session.${A}.${s1}.snapshot`)!;
    assert.equal(session['data']['queue_id'], Q);
    assert.equal(session['data']['seq'], 1);

    const s2 = await enter();
    const s3 = await enter();
    await first.until(() => first.events('join').some((m) => m['data']['caller']['session_id'] === s3), 10_000);
    const msgs = queueMsgs(first);
    assert.equal(msgs[0], snap, 'the snapshot first');
    assertContiguous(msgs);
    assert.deepEqual(msgs.slice(1).map((m) => m['data']['caller']['session_id']), [s2, s3]);
    assert.equal(msgs.at(-1)!['data']['status']['stats']['active_session_count'], 3);
  });

  it('reconnect with resume_queues: the missed events are replayed from the buffer, no snapshot entry', async () => {
    const last = lastSeq(first);
    first.terminate();
    const waiting = (await sys.api('GET', `/v2/accounts/${A}/qubicle_queues/${Q}/sessions`, undefined, sys.adminToken)).body.data as Array<{ session_id: string }>;
    await remove(waiting[0]!.session_id);
    const s4 = await enter();
    await gatewayAt(last + 2);

    const again = await connect();
    const { complete } = await subscribed(again, sys.adminToken, { account_id: A, binding: 'qubicle.queue.*', resume_queues: { [Q]: last } });
    assert.equal(complete['data']['reason'], 'resume');
    assert.deepEqual(complete['data']['queues_resumed'], [Q]);
    assert.deepEqual(complete['data']['queues_resynced'], []);
    assert.equal(complete['data']['queues'], 0);
    const msgs = queueMsgs(again);
    assert.equal(msgs.filter((m) => m['name'] === 'snapshot').length, 0);
    assert.deepEqual(msgs.map((m) => [m['name'], m['data']['seq']]), [['leave', last + 1], ['join', last + 2]]);
    assert.equal(msgs[1]!['data']['caller']['session_id'], s4);
    // the replay came before snapshot_complete, live events after it
    const order = again.events().map((m) => m['name']);
    assert.ok(order.indexOf('join') < order.indexOf('snapshot_complete'), order.join(' '));
    first = again;
  });

  it('a gap longer than the buffer: a fresh entry flagged resync (the callers now), then live events after it', async () => {
    const last = lastSeq(first);
    first.terminate();
    const added = [await enter(), await enter(), await enter()];
    const waiting = (await sys.api('GET', `/v2/accounts/${A}/qubicle_queues/${Q}/sessions`, undefined, sys.adminToken)).body.data as Array<{ session_id: string }>;
    await remove(waiting[0]!.session_id);
    await remove(waiting[1]!.session_id);
    await gatewayAt(last + 5); // 5 events > the 4 the gateway keeps

    const again = await connect();
    const { complete } = await subscribed(again, sys.adminToken, { account_id: A, binding: 'qubicle.queue.*', resume_queues: { [Q]: last } });
    assert.deepEqual(complete['data']['queues_resynced'], [Q]);
    assert.deepEqual(complete['data']['queues_resumed'], []);
    assert.equal(complete['data']['queues'], 1);
    const snap = again.events('snapshot')[0]!;
    assert.equal(snap['data']['resync'], true);
    assert.equal(snap['data']['seq'], last + 5);
    const now = (await sys.api('GET', `/v2/accounts/${A}/qubicle_queues/${Q}/sessions`, undefined, sys.adminToken)).body.data as Array<{ session_id: string }>;
    assert.deepEqual(snap['data']['sessions'].map((s: { session_id: string }) => s.session_id), now.map((s) => s.session_id));
    assert.ok(added.every((s) => now.some((n) => n.session_id === s) || waiting.slice(0, 2).some((w) => w.session_id === s)));

    const s9 = await enter();
    const join = await again.next((m) => m['name'] === 'join' && m['data']['caller']['session_id'] === s9, 10_000);
    assert.equal(join['data']['seq'], last + 6, 'live again right after the snapshot');
    assertContiguous(queueMsgs(again));
  });
});
