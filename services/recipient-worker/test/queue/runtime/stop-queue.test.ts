/**
 * stop_queue (the directory after queue_delete): the queue's process stops only once its document
 * is gone — a stray or late message about a queue that exists stops nothing — and then every
 * caller exits before the queue's `delete` event. A worker on the memory bus, the manual clock.
 */
import assert from 'node:assert/strict';
import { EVENTS_EXCHANGE, QUEUE_DEFAULTS, QUEUE_SESSIONS_QUEUE, shardOf, shardQueue, type QueueEvent } from '@qubicle/contracts';
import { createMemoryBus } from '@qubicle/transport';
import { ManualClock } from '../../../src/clock.js';
import { loadWorkerConfig } from '../../../src/config.js';
import { MemoryQueueDocs } from '../../../src/queue/runtime/index.js';
import { createWorker } from '../../../src/worker.js';
import { captureLogger } from '../../support/logger.js';
import { ACCOUNT, RECIPIENT, T0 } from '../../support/machine-fixtures.js';
import { TestStore } from '../../support/test-store.js';
import { waitFor } from '../../support/wait.js';

const SHARDS = 4;
const Q = 'c0000000000000000000000000000019';

/** A worker (node-a) running queue Q with RECIPIENT on its roster; the queue's events, its shard queue and KAZOO's session queue to talk to. */
async function setup() {
  const store = new TestStore();
  store.addAccount({ id: ACCOUNT, features: { pro: true }, qubicle: { missed_call_threshold: 0 } });
  store.addUser(ACCOUNT, RECIPIENT);
  const bus = createMemoryBus();
  const docs = new MemoryQueueDocs();
  docs.put(ACCOUNT, Q, { doc: { name: 'Q', ...QUEUE_DEFAULTS }, members: [RECIPIENT] });
  const clock = new ManualClock(T0);
  const workerOn = (node: string) =>
    createWorker({ bus, store, config: loadWorkerConfig({ NODE_NAME: node, SHARD_COUNT: String(SHARDS), LEASE_TTL_MS: '600000' }), logger: captureLogger(), clock, queueDocs: docs });
  const w = workerOn('node-a');
  await w.start();
  const events: QueueEvent[] = [];
  await bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: ['qubicle.queue.#'] }, async (m) => void events.push(m.body as QueueEvent));
  let n = 0;
  const queue = (body: Record<string, unknown>) =>
    bus.call(shardQueue(shardOf(ACCOUNT, Q, SHARDS)), { command_id: `stop-queue-${++n}`, account_id: ACCOUNT, shard_count: SHARDS, ...body }, { timeoutMs: 2_000 }) as Promise<any>;
  const kazoo = (body: Record<string, unknown>) => bus.call(QUEUE_SESSIONS_QUEUE, { 'Account-ID': ACCOUNT, ...body }, { timeoutMs: 2_000 }) as Promise<any>;
  /** ensure_queues_started, then one caller (call-1) joins */
  const startWithCaller = async () => {
    const started = await queue({ type: 'ensure_queues_started', queue_ids: [Q] });
    assert.deepEqual(started.ok && started.data, { [Q]: { node: 'node-a', started: true } });
    const created = await kazoo({ Call: {}, 'Call-ID': 'call-1', 'Session-Type': 'callflow' });
    assert.equal((await kazoo({ Call: {}, 'Call-ID': 'call-1', 'Join-Queue-ID': Q, 'Session-ID': created['Session-ID'] })).Result, 'ok');
  };
  return { w, docs, events, queue, startWithCaller, workerOn };
}

describe('queue process: stop_queue', () => {
  it('refused while the document exists; once it is gone the callers exit, then the delete event; again: not_running', async () => {
    const { w, docs, events, queue, startWithCaller } = await setup();
    await startWithCaller();

    const refused = await queue({ type: 'stop_queue', queue_id: Q });
    assert.deepEqual(refused.ok && refused.data, { stopped: false, reason: 'queue_exists' });
    assert.equal((await queue({ type: 'list_queue_sessions', queue_id: Q })).data.sessions.length, 1, 'the caller is still there');

    docs.remove(ACCOUNT, Q);
    const stopped = await queue({ type: 'stop_queue', queue_id: Q });
    assert.deepEqual(stopped.ok && stopped.data, { stopped: true });
    await waitFor(() => events.some((e) => e.event === 'delete'), 'the delete event');
    const names = events.map((e) => e.event);
    assert.ok(names.indexOf('leave') >= 0 && names.indexOf('leave') < names.indexOf('delete'), names.join(','));
    assert.equal(events.find((e) => e.event === 'leave')?.reason, 'exited');
    assert.equal(events.find((e) => e.event === 'delete')?.reason, 'deleted');

    const again = await queue({ type: 'stop_queue', queue_id: Q });
    assert.deepEqual(again.ok && again.data, { stopped: false, reason: 'not_running' });
    assert.equal((await queue({ type: 'get_queue_status', queue_ids: [Q] })).data[Q], 'unknown_queue');
    await w.stop();
  });

  it('a queue deleted while no process could be told (its stop_queue lost) stops when its shard is next taken: callers exit, then delete', async () => {
    const { w, docs, events, queue, startWithCaller, workerOn } = await setup();
    await startWithCaller();

    // the API deletes the document; its stop_queue never reaches a process (no worker then)
    await w.stop();
    docs.remove(ACCOUNT, Q);
    assert.equal(events.filter((e) => e.event === 'delete').length, 0);

    const b = workerOn('node-b');
    await b.start();
    await waitFor(() => events.some((e) => e.event === 'delete'), 'the delete event on take-over');
    const leave = events.find((e) => e.event === 'leave');
    assert.equal(leave?.reason, 'exited');
    assert.ok(events.indexOf(leave!) < events.findIndex((e) => e.event === 'delete'), 'the callers exit first');
    assert.equal(events.find((e) => e.event === 'delete')?.reason, 'deleted');
    assert.equal((await queue({ type: 'get_queue_status', queue_ids: [Q] })).data[Q], 'unknown_queue');
    await b.stop();
  });
});
