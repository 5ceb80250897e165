/**
 * The caller mode in-process against a real worker (memory bus, SQLite in memory): the worker's
 * queue process routes the simulated callers to the simulated phones.
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { RecipientBusClient } from '@qubicle/client';
import { createMemoryBus, type MemoryBus } from '@qubicle/transport';
import { bootstrapDemo, createStore, createWorker, loadWorkerConfig, type Store, type Worker } from '@qubicle/recipient-worker';
import { busEvents } from '../src/bus-events.js';
import { runCallers } from '../src/callers.js';

const SHARDS = 4;

describe('simulator: runCallers (caller mode) against an in-process worker', function () {
  this.timeout(30_000);
  let bus: MemoryBus;
  let store: Store;
  let worker: Worker;
  let accountId: string;
  let queueId: string;
  let agents: string[];

  beforeEach(async () => {
    bus = createMemoryBus();
    store = createStore({ sqlitePath: ':memory:' });
    await store.init();
    const logger = pino({ level: 'silent' });
    const demo = await bootstrapDemo(store, { accountName: 'demo', adminUsername: 'admin', adminPassword: 'sim-test-password', logger });
    accountId = demo.account.id;
    worker = createWorker({ bus, store, config: loadWorkerConfig({ NODE_NAME: 'sim-test', SHARD_COUNT: String(SHARDS), LEASE_TTL_MS: '9000' }), logger });
    await worker.start();
    const client = new RecipientBusClient({ caller: bus, shardCount: SHARDS, timeoutMs: 5_000, service: 'sim-test' });
    queueId = (await client.directory({ type: 'queue_create', account_id: accountId, queue: { name: 'Sales', ring_timeout: 1, agent_wrapup_time: 0 } })).doc.id;
    agents = (await client.directory({ type: 'recipient_list', account_id: accountId })).filter((r) => r.id !== demo.admin.id).map((r) => r.id);
    await client.directory({ type: 'queue_roster_set', account_id: accountId, queue_id: queueId, recipients: agents });
  });
  afterEach(async () => {
    await worker.stop();
    await bus.close();
    await store.close();
  });

  it('every caller is routed by the queue to a member of its roster, answered and hung up', async () => {
    const answeredBy = new Set<string>();
    const r = await runCallers(
      { account: 'demo', queue: 'Sales', calls: 30, concurrency: 5, answerProb: 1, rejectProb: 0, ringMs: 5, talkMs: 10, patienceMs: 0, login: true, summaryMs: 0 },
      { caller: bus, subscribe: busEvents(bus), shardCount: SHARDS, onCallEnded: (c) => c.recipientId && answeredBy.add(c.recipientId) },
    );
    assert.deepEqual(r.problems, []);
    assert.equal(r.completed, true);
    assert.equal(r.queueId, queueId);
    assert.deepEqual(r.calls, { placed: 30, joined: 30, refused: 0, answered: 30, hungUp: 30, abandoned: 0, unfinished: 0 });
    assert.ok([...answeredBy].every((id) => agents.includes(id)), 'only roster members are offered the calls');
  });

  it('phones that never answer: every caller abandons after its patience', async () => {
    const r = await runCallers(
      { account: accountId, queue: queueId, calls: 6, concurrency: 6, answerProb: 0, rejectProb: 0, patienceMs: 300, login: true, summaryMs: 0 },
      { caller: bus, subscribe: busEvents(bus), shardCount: SHARDS },
    );
    assert.deepEqual(r.problems, []);
    assert.equal(r.completed, true);
    assert.deepEqual([r.calls.answered, r.calls.abandoned], [0, 6]);
  });

  it('an unknown queue name is refused before any call', async () => {
    await assert.rejects(runCallers({ account: 'demo', queue: 'Nope', calls: 1, summaryMs: 0 }, { caller: bus, subscribe: busEvents(bus), shardCount: SHARDS }), /no queue named "Nope"/);
  });
});
