/**
 * The queue process in a worker, on the memory bus with the manual clock: KAZOO sessions in, the
 * offer out to the recipient's shard with the queue's ring_timeout and fence, every outcome back
 * (missed → the caller waits again at its place; answered → delivered), and a restart of the node
 * holding the queue (another worker takes its shards) keeping every caller, in order.
 */
import assert from 'node:assert/strict';
import {
  EVENTS_EXCHANGE,
  QUEUE_DEFAULTS,
  QUEUE_SESSIONS_QUEUE,
  shardOf,
  shardQueue,
  type ListQueueSessionsReply,
  type QueueEvent,
  type RecipientStatus,
  type RpcReply,
} from '@qubicle/contracts';
import { createMemoryBus, type MemoryBus } from '@qubicle/transport';
import { ManualClock } from '../../../src/clock.js';
import { loadWorkerConfig } from '../../../src/config.js';
import { MemoryQueueDocs } from '../../../src/queue/runtime/index.js';
import { createWorker } from '../../../src/worker.js';
import { captureLogger } from '../../support/logger.js';
import { ACCOUNT, OTHER, RECIPIENT, T0 } from '../../support/machine-fixtures.js';
import { TestStore } from '../../support/test-store.js';
import { waitFor } from '../../support/wait.js';

const SHARDS = 4;
const Q = 'c0000000000000000000000000000009';
const OVERFLOW = 'c000000000000000000000000000000a';

function setup() {
  const store = new TestStore();
  store.addAccount({ id: ACCOUNT, features: { pro: true }, qubicle: { missed_call_threshold: 0 } });
  store.addUser(ACCOUNT, RECIPIENT);
  store.addUser(ACCOUNT, OTHER);
  const bus: MemoryBus = createMemoryBus();
  const clock = new ManualClock(T0);
  const docs = new MemoryQueueDocs();
  docs.put(ACCOUNT, Q, { doc: { name: 'Q', ...QUEUE_DEFAULTS, ring_timeout: 5, agent_wrapup_time: 0 }, members: [RECIPIENT] });
  const make = (name: string) =>
    createWorker({ bus, store, config: loadWorkerConfig({ NODE_NAME: name, SHARD_COUNT: String(SHARDS), LEASE_TTL_MS: '600000' }), logger: captureLogger(), clock, queueDocs: docs });
  let n = 0;
  const id = () => `qp-${String(++n).padStart(8, '0')}`;
  const recipient = (r: string, body: Record<string, unknown>) =>
    bus.call(shardQueue(shardOf(ACCOUNT, r, SHARDS)), { command_id: id(), account_id: ACCOUNT, recipient_id: r, shard_count: SHARDS, ...body }, { timeoutMs: 2_000 }) as Promise<RpcReply<any>>;
  const queue = (body: Record<string, unknown>) =>
    bus.call(shardQueue(shardOf(ACCOUNT, Q, SHARDS)), { command_id: id(), account_id: ACCOUNT, shard_count: SHARDS, ...body }, { timeoutMs: 2_000 }) as Promise<RpcReply<any>>;
  const kazoo = (body: Record<string, unknown>) => bus.call(QUEUE_SESSIONS_QUEUE, { 'Account-ID': ACCOUNT, ...body }, { timeoutMs: 2_000 }) as Promise<any>;
  const events: QueueEvent[] = [];
  const watch = () => bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: ['qubicle.queue.#'] }, async (m) => void events.push(m.body as QueueEvent));
  const enter = async (callId: string): Promise<string> => {
    const created = await kazoo({ Call: { 'Caller-ID-Number': callId }, 'Call-ID': callId, 'Session-Type': 'callflow' });
    assert.equal(created.Result, 'ok', JSON.stringify(created));
    const joined = await kazoo({ Call: {}, 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': created['Session-ID'] });
    assert.equal(joined.Result, 'ok', JSON.stringify(joined));
    return created['Session-ID'] as string;
  };
  const sessions = async (): Promise<ListQueueSessionsReply> => {
    const r = await queue({ type: 'list_queue_sessions', queue_id: Q });
    assert.ok(r.ok, JSON.stringify(r));
    return r.data;
  };
  const stateOf = async (r: string): Promise<RecipientStatus> => ((await recipient(r, { type: 'get_status' })) as { data: RecipientStatus }).data;
  const sessionsOf = async (queueId: string): Promise<ListQueueSessionsReply> => {
    const r = await bus.call(shardQueue(shardOf(ACCOUNT, queueId, SHARDS)), { command_id: id(), account_id: ACCOUNT, shard_count: SHARDS, type: 'list_queue_sessions', queue_id: queueId }, { timeoutMs: 2_000 }) as RpcReply<ListQueueSessionsReply>;
    assert.ok(r.ok, JSON.stringify(r));
    return r.data;
  };
  return { store, bus, clock, docs, make, recipient, queue, kazoo, events, watch, enter, sessions, sessionsOf, stateOf };
}

describe('queue process (worker, memory bus, manual clock)', () => {
  it('offers with the queue’s ring_timeout and fence; a miss puts the caller back at its place; an answer delivers it', async () => {
    const t = setup();
    const w = t.make('node-a');
    await w.start();
    await t.watch();
    await t.recipient(RECIPIENT, { type: 'login' });
    await t.recipient(RECIPIENT, { type: 'set_status', status: 'ready' });
    const started = await t.queue({ type: 'ensure_queues_started', queue_ids: [Q] });
    assert.deepEqual(started.ok && started.data, { [Q]: { node: 'node-a', started: true } });

    const s1 = await t.enter('call-1');
    await waitFor(() => t.events.some((e) => e.event === 'join'), 'join event');
    let st = await t.stateOf(RECIPIENT);
    for (let i = 0; i < 200 && st.availability_state !== 'Call-Offer'; i++) st = await t.stateOf(RECIPIENT);
    assert.equal(st.availability_state, 'Call-Offer');
    assert.equal(st.offered_call?.session_id, s1);
    assert.equal((await t.sessions()).sessions[0]?.state, 'ringing');

    // the recipient's ring_timeout (5 s) passes: a miss; the caller waits again, first
    t.clock.advance(5_000);
    let list = await t.sessions();
    for (let i = 0; i < 200 && list.sessions[0]?.state !== 'waiting'; i++) list = await t.sessions();
    assert.deepEqual(list.sessions.map((s) => [s.session_id, s.position]), [[s1, 1]]);
    const status = await t.queue({ type: 'get_queue_status', queue_ids: [Q] });
    assert.equal(status.ok && status.data[Q].status.stats.missed_sessions, 1);

    // Ready again → offered again (as soon as the member is available) → answered → delivered
    await t.recipient(RECIPIENT, { type: 'set_status', status: 'ready' });
    st = await t.stateOf(RECIPIENT);
    for (let i = 0; i < 200 && st.availability_state !== 'Call-Offer'; i++) st = await t.stateOf(RECIPIENT);
    assert.equal(st.offered_call?.session_id, s1);
    assert.ok((await t.recipient(RECIPIENT, { type: 'answer', session_id: s1 })).ok);
    await waitFor(() => t.events.some((e) => e.event === 'delivered'), 'delivered event');
    assert.equal((await t.sessions()).sessions.length, 0);
    const bye = await t.kazoo({ Call: {}, 'Call-ID': 'call-1' });
    assert.equal(bye['End-Reason'], 'handled');
    await w.stop();
  });

  it('another worker taking the queue’s shard keeps every waiting caller, in order, with their wait', async () => {
    const t = setup();
    const a = t.make('node-a');
    await a.start();
    await t.queue({ type: 'ensure_queues_started', queue_ids: [Q] }); // nobody logged in: callers wait
    const ids = [];
    for (let i = 1; i <= 5; i++) {
      ids.push(await t.enter(`call-${i}`));
      t.clock.advance(1_000);
    }
    const before = await t.sessions();
    assert.deepEqual(before.sessions.map((s) => s.session_id), ids);
    await a.stop(); // hands its shards over (leases released)

    const b = t.make('node-b');
    await b.start();
    const after = await t.sessions();
    assert.deepEqual(after.sessions.map((s) => s.session_id), ids, 'none lost, order kept');
    assert.deepEqual(after.sessions.map((s) => s.entered_at), before.sessions.map((s) => s.entered_at), 'their wait goes on');
    const status = await t.queue({ type: 'get_queue_status', queue_ids: [Q] });
    assert.equal(status.ok && status.data[Q].status.node, 'node-b');
    assert.equal(status.ok && status.data[Q].status.stats.total_sessions, 5);
    // a member logs in on the new owner: the first caller is offered first
    await t.recipient(RECIPIENT, { type: 'login' });
    await t.recipient(RECIPIENT, { type: 'set_status', status: 'ready' });
    let st = await t.stateOf(RECIPIENT);
    for (let i = 0; i < 200 && st.availability_state !== 'Call-Offer'; i++) st = await t.stateOf(RECIPIENT);
    assert.equal(st.offered_call?.session_id, ids[0]);
    await b.stop();
  });

  it('ensure_started refreshes a running queue from its document; a caller who times out moves to the overflow queue keeping its session', async () => {
    const t = setup();
    const w = t.make('node-a');
    await w.start();
    await t.queue({ type: 'ensure_queues_started', queue_ids: [Q] });
    const s1 = await t.enter('call-1');
    // the document changes: timeout 10 s, overflow to OVERFLOW (which exists); ensure_started hands it to the running queue
    t.docs.put(ACCOUNT, OVERFLOW, { doc: { name: 'Overflow', ...QUEUE_DEFAULTS }, members: [] });
    t.docs.put(ACCOUNT, Q, { doc: { name: 'Q', ...QUEUE_DEFAULTS, ring_timeout: 5, timeout: 10, timeout_redirect: OVERFLOW }, members: [RECIPIENT] });
    const again = await t.queue({ type: 'ensure_queues_started', queue_ids: [Q] });
    assert.deepEqual(again.ok && again.data, { [Q]: { node: 'node-a', started: false } });
    assert.deepEqual((await t.sessions()).sessions.map((s) => s.session_id), [s1], 'the caller kept its place');
    t.clock.advance(10_000);
    let over = await t.sessionsOf(OVERFLOW).catch(() => null);
    for (let i = 0; i < 200 && over?.sessions.length !== 1; i++) over = await t.sessionsOf(OVERFLOW).catch(() => null);
    assert.deepEqual(over?.sessions.map((s) => s.session_id), [s1], 'the same session waits in the overflow queue');
    assert.equal((await t.sessions()).sessions.length, 0);
    const bye = await t.kazoo({ Call: {}, 'Call-ID': 'call-1' });
    assert.equal(bye['End-Reason'], 'abandoned');
    assert.equal((await t.sessionsOf(OVERFLOW)).sessions.length, 0, 'the hang-up reached the queue the caller waits in');
    await w.stop();
  });

  it('a supervisor assigns: refusals as data; a busy member gets the assigned caller as soon as free, ahead of the caller before it', async () => {
    const t = setup();
    t.docs.put(ACCOUNT, Q, { doc: { name: 'Q', ...QUEUE_DEFAULTS, ring_timeout: 5, agent_wrapup_time: 0 }, members: [RECIPIENT, OTHER] });
    const w = t.make('node-a');
    await w.start();
    await t.watch();
    await t.recipient(RECIPIENT, { type: 'login' });
    await t.recipient(RECIPIENT, { type: 'set_status', status: 'ready' });
    await t.recipient(OTHER, { type: 'login' }); // Away: not taking calls
    await t.queue({ type: 'ensure_queues_started', queue_ids: [Q] });
    const s1 = await t.enter('call-1');
    const s2 = await t.enter('call-2');
    const s3 = await t.enter('call-3');
    let list = await t.sessions();
    for (let i = 0; i < 200 && list.sessions[0]?.state !== 'ringing'; i++) list = await t.sessions();
    assert.deepEqual(list.sessions.map((s) => [s.session_id, s.state]), [[s1, 'ringing'], [s2, 'waiting'], [s3, 'waiting']]);

    const SUP = 'd0000000000000000000000000000001';
    const act = async (session_id: string, recipient_id: string) => {
      const r = await t.queue({ type: 'queue_session_action', queue_id: Q, session_id, action: 'assign', recipient_id, by: { user_id: SUP, priv_level: 'admin' } });
      assert.ok(r.ok, JSON.stringify(r));
      return r.data as Record<string, unknown>;
    };
    const refusal = (session_id: string, reason: string) => ({ queue_id: Q, session_id, action: 'assign', done: false, reason });
    assert.deepEqual(await act('nobody-here', RECIPIENT), refusal('nobody-here', 'unknown_session'));
    assert.deepEqual(await act(s1, OTHER), refusal(s1, 'session_ringing'));
    assert.deepEqual(await act(s3, 'e0000000000000000000000000000001'), refusal(s3, 'not_a_member'));
    assert.deepEqual(await act(s3, OTHER), refusal(s3, 'recipient_unavailable'), 'Away');

    // the member answers s1 (on a call): s3 is theirs next, not s2
    assert.ok((await t.recipient(RECIPIENT, { type: 'answer', session_id: s1 })).ok);
    await waitFor(() => t.events.some((e) => e.event === 'delivered' && e.caller?.session_id === s1), 'delivered event');
    assert.deepEqual(await act(s3, RECIPIENT), { queue_id: Q, session_id: s3, action: 'assign', done: true, recipient_id: RECIPIENT, offered: false });
    const assigned = t.events.find((e) => e.event === 'assign');
    assert.equal(assigned?.caller?.session_id, s3);
    assert.equal(assigned?.recipient_id, RECIPIENT);
    assert.equal(assigned?.assigned_by, SUP);
    assert.equal((await t.sessions()).sessions.find((s) => s.session_id === s3)?.assigned_to, RECIPIENT, 'the listing shows who it waits for');
    assert.ok((await t.recipient(RECIPIENT, { type: 'hangup', session_id: s1 })).ok);
    let st = await t.stateOf(RECIPIENT);
    for (let i = 0; i < 200 && st.availability_state !== 'Call-Offer'; i++) st = await t.stateOf(RECIPIENT);
    assert.equal(st.offered_call?.session_id, s3, 'the assigned caller, ahead of s2');
    list = await t.sessions();
    assert.deepEqual(list.sessions.map((s) => [s.session_id, s.state, s.recipient_id ?? null]), [[s2, 'waiting', null], [s3, 'ringing', RECIPIENT]]);

    // a pinned offer missed: the caller back at its place, routing as usual (s2 first)
    t.clock.advance(5_000);
    await t.recipient(RECIPIENT, { type: 'set_status', status: 'ready' });
    st = await t.stateOf(RECIPIENT);
    for (let i = 0; i < 200 && st.offered_call?.session_id !== s2; i++) st = await t.stateOf(RECIPIENT);
    assert.equal(st.offered_call?.session_id, s2, 'FIFO again after the pinned offer ended');
    const status = await t.queue({ type: 'get_queue_status', queue_ids: [Q] });
    assert.equal(status.ok && status.data[Q].status.stats.missed_sessions, 1);
    await w.stop();
  });
});
