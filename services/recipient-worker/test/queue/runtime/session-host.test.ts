/**
 * The session host on its own (memory store, manual clock, the queues faked): each change written
 * with its events under the shard's fence before it is answered, a fenced write applying nothing,
 * a redelivered message applied once, and a hangup that waits for the queue's report.
 */
import assert from 'node:assert/strict';
import { shardOf, type QueueHangupReply, type QueueJoinReply, type SessionEvent, type SessionRequestCommand } from '@qubicle/contracts';
import { ManualClock } from '../../../src/clock.js';
import { SessionEventRelay, SessionHost, type SessionQueuePort } from '../../../src/queue/runtime/index.js';
import type { Fence } from '../../../src/store/records.js';
import { own, TTL } from '../../store/store-contract.js';
import { captureLogger } from '../../support/logger.js';
import { ACCOUNT, QUEUE, RECIPIENT, T0 } from '../../support/machine-fixtures.js';
import { TestStore } from '../../support/test-store.js';
import { waitFor } from '../../support/wait.js';

const SHARDS = 4;
const CALL = 'call-h1';
const SHARD = shardOf(ACCOUNT, CALL, SHARDS);

function setup() {
  const store = new TestStore();
  const clock = new ManualClock(T0);
  const published: SessionEvent[] = [];
  let refuse = false;
  const bus = {
    publish: async (_x: string, _k: string, body: unknown) => {
      if (refuse) throw new Error('injected: refused');
      published.push(body as SessionEvent);
    },
  };
  const fenced: number[] = [];
  const queue = { joined: true as boolean, removed: true as boolean, hangups: 0 };
  const queues: SessionQueuePort = {
    join: async (): Promise<QueueJoinReply> => (queue.joined ? { joined: true, position: 1, estimated_wait: 0 } : { joined: false, reason: 'full' }),
    hangup: async (): Promise<QueueHangupReply> => {
      queue.hangups++;
      return { removed: queue.removed };
    },
  };
  let ids = 0;
  const host = new SessionHost({
    store: store.queues,
    queues,
    relay: new SessionEventRelay({ bus, store: store.queues, clock, logger: captureLogger() }),
    clock,
    logger: captureLogger(),
    node: 'node-a',
    shardOf: (a, c) => shardOf(a, c, SHARDS),
    onFenced: (s) => fenced.push(s),
    newSessionId: () => `sess-${++ids}`,
  });
  const req = (kind: SessionRequestCommand['kind'], over: Partial<SessionRequestCommand> = {}): SessionRequestCommand => ({
    type: 'session_request',
    command_id: 'cmd-00000001',
    account_id: ACCOUNT,
    shard_count: SHARDS,
    kind,
    call_id: CALL,
    ...(kind === 'create_session' ? { session_type: 'callflow', caller_id_name: 'A', caller_id_number: '1' } : {}),
    ...over,
  });
  return { store, clock, host, req, published, fenced, queue, refuse: (v: boolean) => (refuse = v) };
}

const data = (r: { ok: boolean }): any => (r as unknown as { data: unknown }).data;

describe('session host', () => {
  let fence: Fence;

  it('writes the session with its event under the fence before answering; a redelivered create is applied once', async () => {
    const t = setup();
    fence = await own(t.store, SHARD, 'node-a', T0);
    const r = await t.host.request(t.req('create_session', { msg_id: 'm1' }), fence);
    assert.deepEqual(data(r), { 'Call-ID': CALL, 'Session-ID': 'sess-1', Result: 'ok' });
    assert.equal(t.store.queues.tables.sessions.get(`${ACCOUNT}/${CALL}`)?.session_id, 'sess-1');
    await waitFor(() => t.published.length === 1, 'the create event');
    assert.deepEqual(await t.store.queues.listSessionOutbox(SHARD), [], 'published, then removed from the outbox');
    const again = await t.host.request(t.req('create_session', { msg_id: 'm1' }), fence);
    assert.equal(data(again)['Session-ID'], 'sess-1');
    assert.equal(t.published.length, 1, 'no second create event');
  });

  it('a fenced write (the shard was taken over) applies nothing: unavailable, no event, the gate told', async () => {
    const t = setup();
    const old = await own(t.store, SHARD, 'node-a', T0);
    await own(t.store, SHARD, 'node-b', T0 + TTL + 1);
    const r = await t.host.request(t.req('create_session', { msg_id: 'm1' }), old);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'unavailable');
    assert.deepEqual(t.fenced, [SHARD]);
    assert.equal(await t.store.queues.loadCallSession(ACCOUNT, CALL), null);
    assert.deepEqual(await t.store.queues.listSessionOutbox(SHARD), []);
    assert.deepEqual(t.published, []);
  });

  it('events the broker refuses stay in the outbox; a new owner’s take publishes them in order', async () => {
    const t = setup();
    fence = await own(t.store, SHARD, 'node-a', T0);
    t.refuse(true);
    await t.host.request(t.req('create_session', { msg_id: 'm1' }), fence);
    await t.host.request(t.req('delete_session', { msg_id: 'm2' }), fence);
    assert.deepEqual((await t.store.queues.listSessionOutbox(SHARD)).map((e) => [e.event, e.seq]), [['create', 1], ['delete', 2]]);
    t.host.drop(SHARD); // the old owner gives up (its relay stops retrying)
    const next = setup();
    Object.assign(next.store.queues.tables, t.store.queues.tables); // the same store seen by the next owner
    await next.host.take(SHARD);
    await waitFor(() => next.published.length === 2, 'the leftovers');
    assert.deepEqual(next.published.map((e) => [e.event, e.seq]), [['create', 1], ['delete', 2]]);
  });

  it('a hangup in a queue that no longer holds the caller waits for its report: delivered → handled', async () => {
    const t = setup();
    fence = await own(t.store, SHARD, 'node-a', T0);
    await t.host.request(t.req('create_session', { msg_id: 'm1' }), fence);
    await t.host.request(t.req('join_queue', { msg_id: 'm2', session_id: 'sess-1', queue_id: QUEUE }), fence);
    t.queue.removed = false;
    const bye = t.host.request(t.req('delete_session', { msg_id: 'm3' }), fence);
    await waitFor(() => t.store.queues.tables.sessions.get(`${ACCOUNT}/${CALL}`)?.hung_up === true, 'the hangup recorded');
    assert.equal(t.queue.hangups, 1);
    const report = await t.host.report(
      { type: 'session_report', command_id: 'cmd-00000002', account_id: ACCOUNT, shard_count: SHARDS, call_id: CALL, session_id: 'sess-1', queue_id: QUEUE, report: 'delivered', recipient_id: RECIPIENT },
      fence,
    );
    assert.deepEqual(data(report), { applied: true });
    assert.deepEqual([data(await bye)['End-Reason'], data(await bye)['Session-ID']], ['handled', 'sess-1']);
  });

  it('… and no report at all: abandoned once the wait is over', async () => {
    const t = setup();
    fence = await own(t.store, SHARD, 'node-a', T0);
    await t.host.request(t.req('create_session', { msg_id: 'm1' }), fence);
    await t.host.request(t.req('join_queue', { msg_id: 'm2', session_id: 'sess-1', queue_id: QUEUE }), fence);
    t.queue.removed = false;
    let done = false;
    const bye = t.host.request(t.req('delete_session', { msg_id: 'm3' }), fence).finally(() => (done = true));
    await waitFor(() => t.store.queues.tables.sessions.get(`${ACCOUNT}/${CALL}`)?.hung_up === true, 'the hangup recorded');
    assert.equal(done, false, 'waiting for the report');
    t.clock.advance(3_000);
    assert.equal(data(await bye)['End-Reason'], 'abandoned');
  });
});
