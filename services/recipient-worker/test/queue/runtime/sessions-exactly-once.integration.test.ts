/**
 * Caller sessions exactly once, on the real broker (a fresh vhost), two workers in-process
 * sharing one store (docs/queues.md, "Failover guarantees"):
 *
 * - a worker that wrote a session change but could never publish its events (the broker refusing
 *   them: the crash point between the write and the publish) hands its shards over; the worker that
 *   takes the session's shard publishes the recorded events first, each once, in order;
 * - a publish that fails a few times is retried: once on the bus, in order;
 * - a duplicated KAZOO message (same Msg-ID) is applied once;
 * - a caller answered by a recipient then hanging up ends `handled` whichever reaches the
 *   session first: the queue's `delivered` report or KAZOO's delete_session;
 * - a queue's report to the session that its worker wrote but could not send (the crash point
 *   between the queue's write and its report) is sent by the worker taking the queue's shard: it
 *   rides in the queue's outbox.
 */
import assert from 'node:assert/strict';
import {
  EVENTS_EXCHANGE,
  QUEUE_DEFAULTS,
  QUEUE_SESSIONS_QUEUE,
  newKazooId,
  shardOf,
  shardQueue,
  type RecipientStatus,
  type RpcReply,
  type SessionEvent,
} from '@qubicle/contracts';
import { createAmqpBus, type AmqpBus, type Bus } from '@qubicle/transport';
import { createTestVhost, type TestVhost } from '../../../../../libs/transport/test/support/vhost.js';
import { loadWorkerConfig } from '../../../src/config.js';
import { MemoryQueueDocs } from '../../../src/queue/runtime/index.js';
import { createWorker, type Worker } from '../../../src/worker.js';
import { captureLogger } from '../../support/logger.js';
import { ACCOUNT, OTHER, RECIPIENT } from '../../support/machine-fixtures.js';
import { TestStore } from '../../support/test-store.js';
import { waitFor, within } from '../../support/wait.js';

const SHARDS = 4;
const Q = 'c00000000000000000000000000000b1';

/** What a test does to a worker's publishes and calls (the worker's own bus, wrapped). */
interface Faults {
  /** session event publishes refused while this says so (count: how many were refused) */
  refuseSessionEvents: (routingKey: string) => boolean;
  refused: number;
  /** a session_report held until the promise settles */
  holdReport?: (body: Record<string, unknown>) => Promise<void> | undefined;
  /** session_report calls fail while this says so (counted in reportsRefused) */
  refuseReports?: () => boolean;
  reportsRefused?: number;
}

function faulty(bus: AmqpBus, f: Faults): Bus {
  return new Proxy(bus, {
    get(target, prop, receiver) {
      if (prop === 'publish') {
        return async (exchange: string, routingKey: string, body: unknown, opts?: unknown) => {
          if (exchange === EVENTS_EXCHANGE && routingKey.startsWith('qubicle.session.') && f.refuseSessionEvents(routingKey)) {
            f.refused++;
            throw new Error('injected: the broker refused the session event');
          }
          return (target.publish as (...a: unknown[]) => Promise<void>).call(target, exchange, routingKey, body, opts);
        };
      }
      if (prop === 'call') {
        return async (queue: string, body: Record<string, unknown>, opts?: unknown) => {
          if (body?.['type'] === 'session_report' && f.refuseReports?.()) {
            f.reportsRefused = (f.reportsRefused ?? 0) + 1;
            throw new Error('injected: the session report could not be sent');
          }
          const hold = body?.['type'] === 'session_report' ? f.holdReport?.(body) : undefined;
          if (hold) await hold;
          return (target.call as (...a: unknown[]) => Promise<unknown>).call(target, queue, body, opts);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Bus;
}

describe('caller sessions exactly once (real broker, two workers)', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let client: AmqpBus;
  const buses: AmqpBus[] = [];
  const workers: Worker[] = [];
  let store: TestStore;
  let docs: MemoryQueueDocs;
  let events: SessionEvent[];
  let watching: { cancel(): Promise<void> } | null = null;

  before(async () => {
    vhost = await createTestVhost();
    client = createAmqpBus({ url: vhost.url, logger: captureLogger(), name: 'sessions-test-client' });
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await vhost?.dispose();
  });
  beforeEach(async () => {
    store = new TestStore();
    store.addAccount({ id: ACCOUNT, features: { pro: true }, qubicle: { missed_call_threshold: 0 } });
    store.addUser(ACCOUNT, RECIPIENT);
    store.addUser(ACCOUNT, OTHER);
    docs = new MemoryQueueDocs();
    docs.put(ACCOUNT, Q, { doc: { name: 'Q', ...QUEUE_DEFAULTS, ring_timeout: 30, agent_wrapup_time: 0 }, members: [RECIPIENT] });
    events = [];
    watching = await client.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [`qubicle.session.${ACCOUNT}.#`] }, async (m) => void events.push(m.body as SessionEvent));
  });
  afterEach(async () => {
    await watching?.cancel().catch(() => undefined);
    for (const w of workers.splice(0)) await w.stop().catch(() => undefined);
    for (const b of buses.splice(0)) await b.close().catch(() => undefined);
  });

  async function start(name: string, f: Faults = { refuseSessionEvents: () => false, refused: 0 }): Promise<Worker> {
    const bus = createAmqpBus({ url: vhost.url, logger: captureLogger(), name });
    buses.push(bus);
    const w = createWorker({
      bus: faulty(bus, f),
      store,
      config: loadWorkerConfig({ NODE_NAME: name, SHARD_COUNT: String(SHARDS), LEASE_TTL_MS: '3000', AMQP_URL: vhost.url }),
      logger: captureLogger(),
      queueDocs: docs,
    });
    workers.push(w);
    await w.start();
    return w;
  }

  const kazoo = (body: Record<string, unknown>) => client.call(QUEUE_SESSIONS_QUEUE, { 'Account-ID': ACCOUNT, Call: {}, ...body }, { timeoutMs: 10_000 }) as Promise<Record<string, any>>;
  const recipient = (body: Record<string, unknown>) =>
    client.call(shardQueue(shardOf(ACCOUNT, RECIPIENT, SHARDS)), { command_id: newKazooId(), account_id: ACCOUNT, recipient_id: RECIPIENT, shard_count: SHARDS, ...body }, { timeoutMs: 5_000 }) as Promise<RpcReply<any>>;
  const of = (callId: string) => events.filter((e) => e.call_id === callId).map((e) => [e.event, e.seq, e.reason ?? null]);

  /** The member logs in Ready; a caller creates its session and joins Q; the member answers it. */
  async function answeredCaller(): Promise<{ callId: string; created: Record<string, any> }> {
    await recipient({ type: 'login' });
    await recipient({ type: 'set_status', status: 'ready' });
    const callId = `call-${newKazooId()}`;
    const created = await kazoo({ 'Msg-ID': newKazooId(), 'Call-ID': callId, 'Session-Type': 'callflow' });
    const joined = await kazoo({ 'Msg-ID': newKazooId(), 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': created['Session-ID'] });
    assert.equal(joined['Result'], 'ok', JSON.stringify(joined));
    await answered(created['Session-ID']);
    return { callId, created };
  }

  /** A Ready member is offered the caller: answers it (the queue decides `delivered`). */
  async function answered(sessionId: string): Promise<void> {
    const status = async (): Promise<RecipientStatus> => {
      const r = await recipient({ type: 'get_status' });
      assert.ok(r.ok, JSON.stringify(r));
      return r.data as RecipientStatus;
    };
    let st = await status();
    const deadline = Date.now() + 10_000;
    while (st.availability_state !== 'Call-Offer' && Date.now() < deadline) st = await status();
    assert.equal(st.offered_call?.session_id, sessionId, JSON.stringify(st));
    assert.ok((await recipient({ type: 'answer', session_id: sessionId })).ok);
  }

  it('events a worker wrote but never published reach the bus once, in order, from the worker that takes the shard', async () => {
    const f: Faults = { refuseSessionEvents: () => true, refused: 0 };
    await start('node-a', f);
    const callId = `call-${newKazooId()}`;
    const created = await kazoo({ 'Msg-ID': 'm-create', 'Call-ID': callId, 'Session-Type': 'callflow' });
    assert.equal(created['Result'], 'ok', JSON.stringify(created));
    const bye = await kazoo({ 'Msg-ID': 'm-delete', 'Call-ID': callId });
    assert.deepEqual([bye['Result'], bye['End-Reason']], ['ok', 'abandoned'], JSON.stringify(bye));
    await waitFor(() => f.refused > 0, 'the refused publish', 5_000);
    assert.deepEqual(of(callId), [], 'nothing reached the bus from node-a');
    const shard = shardOf(ACCOUNT, callId, SHARDS);
    assert.deepEqual((await store.queues.listSessionOutbox(shard)).map((e) => [e.event, e.seq]), [['create', 1], ['delete', 2]], 'both recorded with the writes');

    await workers[0]!.stop(); // hands over: its relay gives up, the outbox keeps the events
    await start('node-b');
    await waitFor(() => of(callId).length >= 2, 'the events from node-b', 10_000);
    assert.deepEqual(of(callId), [['create', 1, null], ['delete', 2, 'abandoned']]);
    assert.deepEqual(events.filter((e) => e.call_id === callId).map((e) => e.session_id), [created['Session-ID'], created['Session-ID']]);
    await waitFor(() => store.queues.tables.sessionOutbox.length === 0, 'the outbox emptied', 5_000);
    // nothing more comes (a second copy would be a duplicate): a later session of another call is seen after them
    const probe = `call-${newKazooId()}`;
    await kazoo({ 'Call-ID': probe, 'Session-Type': 'callflow' });
    await waitFor(() => of(probe).length === 1, 'the probe', 5_000);
    assert.equal(of(callId).length, 2, 'each event once');
  });

  it('a publish that fails is retried: once on the bus, in order; a duplicated message (same Msg-ID) is applied once', async () => {
    let fails = 3;
    const f: Faults = { refuseSessionEvents: () => fails-- > 0, refused: 0 };
    await start('node-a', f);
    const callId = `call-${newKazooId()}`;
    const first = await kazoo({ 'Msg-ID': 'dup-create', 'Call-ID': callId, 'Session-Type': 'callflow' });
    const again = await kazoo({ 'Msg-ID': 'dup-create', 'Call-ID': callId, 'Session-Type': 'callflow' });
    assert.equal(again['Session-ID'], first['Session-ID'], 'the same session');
    await kazoo({ 'Msg-ID': 'dup-delete', 'Call-ID': callId });
    await kazoo({ 'Msg-ID': 'dup-delete', 'Call-ID': callId });
    await waitFor(() => of(callId).length >= 2, 'the events', 10_000);
    assert.equal(f.refused, 3);
    const probe = `call-${newKazooId()}`;
    await kazoo({ 'Call-ID': probe, 'Session-Type': 'callflow' });
    await waitFor(() => of(probe).length === 1, 'the probe', 5_000);
    assert.deepEqual(of(callId), [['create', 1, null], ['delete', 2, 'abandoned']]);
  });

  it('a create after the end starts a new session of the call; its redelivery answers the same new one', async () => {
    await start('node-a');
    const callId = `call-${newKazooId()}`;
    const first = await kazoo({ 'Msg-ID': 'c-1', 'Call-ID': callId, 'Session-Type': 'callflow' });
    await kazoo({ 'Msg-ID': 'd-1', 'Call-ID': callId });
    const second = await kazoo({ 'Msg-ID': 'c-2', 'Call-ID': callId, 'Session-Type': 'callflow' });
    assert.equal(second['Result'], 'ok');
    assert.notEqual(second['Session-ID'], first['Session-ID'], 'a new session');
    assert.equal((await kazoo({ 'Msg-ID': 'c-2', 'Call-ID': callId, 'Session-Type': 'callflow' }))['Session-ID'], second['Session-ID']);
    assert.equal((await kazoo({ 'Msg-ID': 'c-1', 'Call-ID': callId, 'Session-Type': 'callflow' }))['Session-ID'], first['Session-ID'], 'the first create redelivered: its own');
    await waitFor(() => of(callId).length >= 3, 'the events', 5_000);
    assert.deepEqual(events.filter((e) => e.call_id === callId).map((e) => [e.session_id, e.event]), [
      [first['Session-ID'], 'create'],
      [first['Session-ID'], 'delete'],
      [second['Session-ID'], 'create'],
    ]);
  });

  it('a queue’s report its worker wrote but never sent reaches the session from the worker that takes the shard', async () => {
    const f: Faults = { refuseSessionEvents: () => false, refused: 0, refuseReports: () => true };
    await start('node-a', f);
    const { callId, created } = await answeredCaller();
    // the queue wrote `delivered` (its leave event carries the report in the outbox); the report fails
    await waitFor(() => (f.reportsRefused ?? 0) > 0, 'the refused report', 10_000);
    const rider = store.queues.tables.outbox.find((o) => o.event.event === 'leave' && o.event.caller?.session_id === created['Session-ID']);
    assert.deepEqual((rider?.event as { session_report?: unknown } | undefined)?.session_report, { type: 'session_delivered', session_id: created['Session-ID'], call_id: callId, recipient_id: RECIPIENT });
    assert.equal(store.queues.tables.sessions.get(`${ACCOUNT}/${callId}`)?.phase, 'queued', 'the session has not heard');

    await workers[0]!.stop(); // hands over: its relay gives up after the bound, the outbox keeps the report
    assert.ok(store.queues.tables.outbox.some((o) => o.event.caller?.session_id === created['Session-ID']), 'still in the outbox');
    await start('node-b');
    await waitFor(() => store.queues.tables.sessions.get(`${ACCOUNT}/${callId}`)?.phase === 'delivered', 'the report from node-b', 15_000);
    assert.equal(store.queues.tables.sessions.get(`${ACCOUNT}/${callId}`)?.recipient_id, RECIPIENT);
    await waitFor(() => !store.queues.tables.outbox.some((o) => o.event.caller?.session_id === created['Session-ID']), 'the outbox emptied', 5_000);
    const bye = await kazoo({ 'Msg-ID': newKazooId(), 'Call-ID': callId });
    assert.deepEqual([bye['Result'], bye['End-Reason']], ['ok', 'handled'], JSON.stringify(bye));
  });

  for (const order of ['delivered first', 'delete_session first'] as const) {
    it(`answered then hung up: handled (${order})`, async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let holding = false;
      const f: Faults = {
        refuseSessionEvents: () => false,
        refused: 0,
        holdReport: (body) => (order === 'delete_session first' && body['report'] === 'delivered' ? ((holding = true), held) : undefined),
      };
      await start('node-a', f);
      const { callId, created } = await answeredCaller();
      let bye: Promise<Record<string, any>>;
      if (order === 'delete_session first') {
        await waitFor(() => holding, 'the delivered report held', 5_000);
        bye = kazoo({ 'Msg-ID': newKazooId(), 'Call-ID': callId });
        // the hangup reached the session first: it asked the queue, which no longer held the caller
        await waitFor(() => store.queues.tables.sessions.get(`${ACCOUNT}/${callId}`)?.hung_up === true, 'the hangup recorded', 5_000);
        assert.equal(store.queues.tables.sessions.get(`${ACCOUNT}/${callId}`)?.phase, 'queued', 'not ended on a guess');
        release();
      } else {
        await waitFor(() => of(callId).length >= 1 && store.queues.tables.sessions.get(`${ACCOUNT}/${callId}`)?.phase === 'delivered', 'delivered', 5_000);
        bye = kazoo({ 'Msg-ID': newKazooId(), 'Call-ID': callId });
      }
      const reply = await within(bye, 10_000, 'the delete reply');
      assert.deepEqual([reply['Result'], reply['End-Reason']], ['ok', 'handled'], JSON.stringify(reply));
      await waitFor(() => of(callId).length >= 2, 'the delete event', 5_000);
      const end = events.find((e) => e.call_id === callId && e.event === 'delete')!;
      assert.deepEqual([end.reason, end.recipient_id], ['handled', RECIPIENT]);
    });
  }
});
