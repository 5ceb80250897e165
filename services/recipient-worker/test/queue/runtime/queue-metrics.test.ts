/**
 * The queue side's Prometheus metrics, fed by the queue process (memory bus, manual clock): a
 * caller who joins, is missed once and is answered moves the callers counter, the answered-within-SL counter, the
 * wait histogram and the offers counter; the gauges read the running queues at scrape time.
 */
import assert from 'node:assert/strict';
import { EVENTS_EXCHANGE, QUEUE_DEFAULTS, QUEUE_SESSIONS_QUEUE, shardOf, shardQueue, type QueueEvent, type RecipientStatus, type RpcReply } from '@qubicle/contracts';
import { createMemoryBus } from '@qubicle/transport';
import { ManualClock } from '../../../src/clock.js';
import { loadWorkerConfig } from '../../../src/config.js';
import { createWorkerMetrics } from '../../../src/metrics.js';
import { MemoryQueueDocs } from '../../../src/queue/runtime/index.js';
import { createWorker } from '../../../src/worker.js';
import { captureLogger } from '../../support/logger.js';
import { ACCOUNT, RECIPIENT, T0 } from '../../support/machine-fixtures.js';
import { TestStore } from '../../support/test-store.js';
import { waitFor } from '../../support/wait.js';

const SHARDS = 4;
const Q = 'c0000000000000000000000000000009';

describe('queue metrics (worker, memory bus, manual clock)', () => {
  it('a joined and answered caller moves the callers counter, the SL counter, the wait histogram and the offers counter', async () => {
    const store = new TestStore();
    store.addAccount({ id: ACCOUNT, features: { pro: true }, qubicle: { missed_call_threshold: 0 } });
    store.addUser(ACCOUNT, RECIPIENT);
    const bus = createMemoryBus();
    const clock = new ManualClock(T0);
    const docs = new MemoryQueueDocs();
    docs.put(ACCOUNT, Q, { doc: { name: 'Q', ...QUEUE_DEFAULTS, ring_timeout: 5, agent_wrapup_time: 0 }, members: [RECIPIENT] });
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    const w = createWorker({ bus, store, config: loadWorkerConfig({ NODE_NAME: 'node-a', SHARD_COUNT: String(SHARDS), LEASE_TTL_MS: '600000' }), logger: captureLogger(), clock, queueDocs: docs, metrics });
    let n = 0;
    const id = () => `qm-${String(++n).padStart(8, '0')}`;
    const recipient = (body: Record<string, unknown>) =>
      bus.call(shardQueue(shardOf(ACCOUNT, RECIPIENT, SHARDS)), { command_id: id(), account_id: ACCOUNT, recipient_id: RECIPIENT, shard_count: SHARDS, ...body }, { timeoutMs: 2_000 }) as Promise<RpcReply<any>>;
    const queue = (body: Record<string, unknown>) =>
      bus.call(shardQueue(shardOf(ACCOUNT, Q, SHARDS)), { command_id: id(), account_id: ACCOUNT, shard_count: SHARDS, ...body }, { timeoutMs: 2_000 }) as Promise<RpcReply<any>>;
    const kazoo = (body: Record<string, unknown>) => bus.call(QUEUE_SESSIONS_QUEUE, { 'Account-ID': ACCOUNT, ...body }, { timeoutMs: 2_000 }) as Promise<any>;
    const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
      // a histogram's series (_bucket, _sum, _count) are values of the histogram, named by metricName
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name || x.name === base);
      assert.ok(m, `${name} registered`);
      const v = m.values.find(
        (x) => ((x as { metricName?: string }).metricName ?? m.name) === name && Object.entries(labels).every(([k, l]) => (x.labels as Record<string, unknown>)[k] === l),
      );
      return v?.value ?? 0;
    };
    const events: QueueEvent[] = [];
    await w.start();
    try {
      await bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: ['qubicle.queue.#'] }, async (m) => void events.push(m.body as QueueEvent));
      await recipient({ type: 'login' });
      assert.ok((await queue({ type: 'ensure_queues_started', queue_ids: [Q] })).ok);
      assert.equal(await value('qubicle_worker_queues_running'), 1);

      // nobody Ready: the caller waits
      const created = await kazoo({ Call: { 'Caller-ID-Number': 'call-1' }, 'Call-ID': 'call-1', 'Session-Type': 'callflow' });
      const sid = created['Session-ID'] as string;
      assert.equal((await kazoo({ Call: {}, 'Call-ID': 'call-1', 'Join-Queue-ID': Q, 'Session-ID': sid })).Result, 'ok');
      await waitFor(() => events.some((e) => e.event === 'join'), 'join event');
      assert.equal(await value('qubicle_worker_queue_callers_total', { outcome: 'joined' }), 1);
      assert.equal(await value('qubicle_worker_queue_callers_waiting'), 1);

      // 12 s later the member is Ready: offered, answered (within the default service level)
      clock.advance(12_000);
      await recipient({ type: 'set_status', status: 'ready' });
      const stateOf = async (): Promise<RecipientStatus> => ((await recipient({ type: 'get_status' })) as { data: RecipientStatus }).data;
      let st = await stateOf();
      for (let i = 0; i < 200 && st.availability_state !== 'Call-Offer'; i++) st = await stateOf();
      assert.equal(st.offered_call?.session_id, sid);
      // not answered within the ring_timeout (5 s): a miss, the caller waits again
      clock.advance(5_000);
      for (let i = 0; i < 200 && (await value('qubicle_worker_queue_offers_total', { outcome: 'missed' })) === 0; i++) await stateOf();
      assert.equal(await value('qubicle_worker_queue_offers_total', { outcome: 'missed' }), 1);
      // Ready again: offered again and answered, 17 s after joining
      await recipient({ type: 'set_status', status: 'ready' });
      st = await stateOf();
      for (let i = 0; i < 200 && st.availability_state !== 'Call-Offer'; i++) st = await stateOf();
      assert.equal(st.offered_call?.session_id, sid);
      assert.ok((await recipient({ type: 'answer', session_id: sid })).ok);
      await waitFor(() => events.some((e) => e.event === 'delivered'), 'delivered event');

      assert.equal(await value('qubicle_worker_queue_callers_total', { outcome: 'answered' }), 1);
      assert.equal(await value('qubicle_worker_queue_offers_total', { outcome: 'accepted' }), 2);
      assert.ok(QUEUE_DEFAULTS.service_level_seconds >= 17, 'the default threshold covers the 17 s wait');
      assert.equal(await value('qubicle_worker_queue_answered_within_sl_total'), 1);
      assert.equal(await value('qubicle_worker_queue_wait_seconds_count', { outcome: 'answered' }), 1);
      assert.equal(await value('qubicle_worker_queue_wait_seconds_sum', { outcome: 'answered' }), 17);
      assert.equal(await value('qubicle_worker_queue_wait_seconds_bucket', { outcome: 'answered', le: 10 as never }), 0);
      assert.equal(await value('qubicle_worker_queue_wait_seconds_bucket', { outcome: 'answered', le: 20 as never }), 1);
      assert.equal(await value('qubicle_worker_queue_callers_waiting'), 0);
      assert.match(await metrics.registry.metrics(), /qubicle_worker_queue_callers_total\{outcome="answered"\} 1/);
    } finally {
      await w.stop();
    }
  });
});
