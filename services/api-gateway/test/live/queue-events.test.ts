/**
 * Queue and session events on the event websocket (live/queue-side-event.ts), through the real
 * listening gateway on the memory bus: a binding naming `qubicle.queue` / `qubicle.session` gets
 * the account's queue / session events from the events exchange (with wildcards on the queue and
 * the event), never another account's; a binding that does not name the kind (`qubicle.#`, a
 * recipient binding) keeps getting only recipient events; a queue binding starts with a snapshot
 * entry per queue read from the (fake) workers.
 */
import assert from 'node:assert/strict';
import { EVENTS_EXCHANGE, queueEventKey, sessionEventKey, type QueueEvent, type SessionEvent } from '@qubicle/contracts';
import { newId } from '../support/fixtures.js';
import { startLiveWorld, subscribed, type LiveWorld, type TestClient } from './support.js';

const window = { answered: 0, answered_within: 0, abandoned: 0, abandoned_within: 0, timed_out: 0, turned_away: 0, sl_percent: null, sl2_percent: null, wait_buckets: [10, 20, 30, 60, 120, 300, 600, null].map((up) => ({ up_to_seconds: up, answered: 0, abandoned: 0 })) };
const status = {
  active_recipient_count: 1,
  available_recipient_count: 1,
  stats: { estimated_wait: 0, average_wait: 0, recipient_count: 1, active_session_count: 1, total_sessions: 1, missed_sessions: 0, abandoned_sessions: 0 },
  node: 'worker-a',
  service_level: { threshold_seconds: 20, day: window, last_15_minutes: window },
};

describe('live: queue and session events (memory bus)', function () {
  this.timeout(20_000);
  let w: LiveWorld;
  let account: string;
  let seq = 0;
  beforeEach(async () => {
    w = await startLiveWorld();
    account = w.fixture.account.id;
  });
  afterEach(async () => {
    await w.close();
  });

  async function queueEvent(queueId: string, accountId = account, at = ++seq): Promise<QueueEvent> {
    const ev = {
      event: 'join' as const,
      account_id: accountId,
      queue_id: queueId,
      seq: at,
      timestamp: 1_700_000_000_000,
      node: 'worker-a',
      status,
      caller: { session_id: `s-${seq}`, call_id: `c-${seq}`, caller_id_name: 'Caller', caller_id_number: '+15550100', priority: 0, queue_enter_time: 1_700_000_000 },
      position: 1,
      estimated_wait: 0,
    } as QueueEvent;
    await w.bus.publish(EVENTS_EXCHANGE, queueEventKey(accountId, queueId, 'join'), ev);
    return ev;
  }
  async function sessionEnd(sessionId: string): Promise<SessionEvent> {
    const ev: SessionEvent = { event: 'delete', account_id: account, session_id: sessionId, call_id: `c-${sessionId}`, seq: 2, timestamp: 1_700_000_000_000, node: 'worker-a', session_type: 'callflow', caller_id_name: 'Caller', caller_id_number: '+15550100', reason: 'abandoned' };
    await w.bus.publish(EVENTS_EXCHANGE, sessionEventKey(account, sessionId, 'delete'), ev);
    return ev;
  }
  /** Everything published before has been delivered to `c` (a recipient marker event it may or may not see, then a ping). */
  async function settled(c: TestClient): Promise<void> {
    c.send({ action: 'ping', request_id: 'sync' });
    await c.reply('sync');
    await new Promise((r) => setImmediate(r));
  }

  it('qubicle.queue.* gets the account’s queue events, in blackhole’s shape; another account’s never', async () => {
    const q = newId();
    const c = await w.connect();
    await subscribed(c, w.token.agent, { account_id: account, binding: 'qubicle.queue.*' });
    await queueEvent(newId(), newId()); // another account
    const ev = await queueEvent(q);
    const got = await c.next((m) => m['name'] === 'join');
    assert.deepEqual(got, {
      action: 'event',
      subscribed_key: 'qubicle.queue.*',
      subscription_key: 'qubicle.queue.*.*',
      name: 'join',
      routing_key: `qubicle.queue.${account}.${q}.join`,
      data: ev,
    });
    await settled(c);
    assert.equal(c.events('join').length, 1, 'only the own account’s event');
  });

  it('one queue, one event, sessions: the wildcards pick; qubicle.# and recipient bindings get none of them', async () => {
    const [q1, q2] = [newId(), newId()];
    const one = await w.connect();
    await subscribed(one, w.token.admin, { account_id: account, binding: `qubicle.queue.${q1}` });
    const sessions = await w.connect();
    await subscribed(sessions, w.token.admin, { account_id: account, binding: 'qubicle.session.*.delete' });
    const everything = await w.connect();
    await subscribed(everything, w.token.admin, { account_id: account, bindings: ['qubicle.#', 'qubicle.recipient.*'] });

    await queueEvent(q2);
    const mine = await queueEvent(q1);
    const ended = await sessionEnd('sess-1');
    assert.deepEqual((await one.next((m) => m['name'] === 'join'))['data'], mine);
    const del = await sessions.next((m) => m['name'] === 'delete');
    assert.deepEqual(del['data'], ended);
    assert.equal(del['routing_key'], `qubicle.session.${account}.sess-1.delete`);
    for (const c of [one, sessions, everything]) await settled(c);
    assert.deepEqual(one.events('join').map((m) => m['data']['queue_id']), [q1]);
    assert.equal(sessions.events('join').length, 0);
    assert.equal(everything.events().filter((m) => String(m['routing_key']).startsWith('qubicle.queue.') || String(m['routing_key']).startsWith('qubicle.session.')).length, 0);
  });

  it('queue bindings are checked: an unknown queue event is refused unsupported_binding', async () => {
    const c = await w.connect();
    const r = c.subscribe(w.token.admin, { account_id: account, binding: 'qubicle.queue.*.ready' });
    const reply = await c.reply(r);
    assert.equal(reply['data']['code'], 'unsupported_binding');
    assert.match(String(reply['data']['message'] ?? JSON.stringify(reply['data'])), /unknown event/);
  });

  it('a queue binding gets a snapshot entry per queue (status and callers at its seq, from the workers), then only newer events', async () => {
    const line = w.worker.queues.add({ name: 'Line' });
    const caller = { session_id: 'sess-w1', call_id: 'call-w1', caller_id_name: 'Wendy', caller_id_number: '+15550101', priority: 0, state: 'waiting' as const, position: 1, entered_at: '2026-12-03T10:00:00.000Z', wait: 3 };
    w.worker.queueProcess.sessions.set(line.id, [caller]);
    w.worker.queueProcess.seqs.set(line.id, 7);
    const c = await w.connect();
    const { complete } = await subscribed(c, w.token.agent, { account_id: account, bindings: ['qubicle.queue.*', 'qubicle.session.*'] });
    const [entry, session] = c.events('snapshot');
    assert.equal(entry!['routing_key'], `qubicle.queue.${account}.${line.id}.snapshot`);
    assert.equal(entry!['data']['seq'], 7);
    assert.deepEqual(entry!['data']['sessions'], [caller]);
    assert.equal(entry!['data']['status']['stats']['active_session_count'], 1);
    assert.equal(session!['routing_key'], `qubicle.session.${account}.sess-w1.snapshot`);
    assert.deepEqual([complete['data']['queues'], complete['data']['sessions']], [1, 1]);
    await queueEvent(line.id, account, 7); // already in the snapshot
    await queueEvent(line.id, account, 8);
    await settled(c);
    assert.deepEqual(c.events('join').map((m) => m['data']['seq']), [8]);
  });
});
