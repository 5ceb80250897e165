/**
 * The simulator in-process against a real worker (memory bus, SQLite in memory, system clock):
 * every call ends, and the recipients' own stats add up to what the simulator did.
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createMemoryBus, type MemoryBus } from '@qubicle/transport';
import { bootstrapDemo, createStore, createWorker, loadWorkerConfig, type Store, type Worker } from '@qubicle/recipient-worker';
import { busEvents } from '../src/bus-events.js';
import { runSimulation, type SimulationResult } from '../src/simulation.js';

const SHARDS = 4;

describe('simulator: runSimulation against an in-process worker', function () {
  this.timeout(30_000);
  let bus: MemoryBus;
  let store: Store;
  let worker: Worker;

  beforeEach(async () => {
    bus = createMemoryBus();
    store = createStore({ sqlitePath: ':memory:' });
    await store.init();
    const logger = pino({ level: 'silent' });
    await bootstrapDemo(store, { accountName: 'demo', adminUsername: 'admin', adminPassword: 'sim-test-password', logger });
    worker = createWorker({ bus, store, config: loadWorkerConfig({ NODE_NAME: 'sim-test', SHARD_COUNT: String(SHARDS), LEASE_TTL_MS: '9000' }), logger });
    await worker.start();
  });
  afterEach(async () => {
    await worker.stop();
    await bus.close();
    await store.close();
  });

  function assertAddsUp(r: SimulationResult, calls: number): void {
    assert.deepEqual(r.problems, []);
    assert.equal(r.completed, true);
    assert.equal(r.calls.placed, calls);
    assert.equal(r.calls.answered + r.calls.abandoned, calls);
    assert.equal(r.calls.answered, r.offers.answered);
    assert.equal(r.offers.accepted, r.offers.answered + r.offers.rejected + r.offers.timedOut + r.offers.abandoned + r.offers.withdrawnByLogout);
    assert.equal(r.totals.totalCalls, r.offers.answered);
    assert.equal(r.totals.missedCalls, r.offers.rejected + r.offers.timedOut);
    assert.equal(r.consistent, true);
    for (const x of r.recipients) {
      assert.equal(x.totalCallsDelta, x.answered, x.name);
      assert.equal(x.missedCallsDelta, x.rejected + x.timedOut, x.name);
    }
  }

  it('with events: logs the demo recipients in, places every call; the stats add up exactly', async () => {
    const lines: string[] = [];
    const r = await runSimulation(
      { account: 'demo', queue: 'sales', calls: 60, concurrency: 6, answerProb: 0.7, rejectProb: 0.15, abandonProb: 0.05, talkMs: 20, ringMs: 5, offerTimeoutSeconds: 1, wrapupSeconds: 0, login: true, seed: 20, summaryMs: 200, awayMs: 50 },
      { caller: bus, subscribe: busEvents(bus), print: (l) => lines.push(l), shardCount: SHARDS },
    );
    assertAddsUp(r, 60);
    assert.equal(r.accountName, 'demo');
    assert.equal(r.recipients.length, 4);
    assert.ok(r.offers.timedOut > 0 && r.offers.rejected > 0 && r.offers.abandoned > 0, JSON.stringify(r.offers));
    assert.ok(r.recipients.every((x) => x.offers > 0), 'most idle first spreads the calls');
    assert.ok(lines.length > 0 && lines.every((l) => l.startsWith('[sim ')));
  });

  it('the same seed decides the same outcomes; round robin without events (polling) adds up too', async () => {
    const common = { account: 'demo', queue: 'support', calls: 40, concurrency: 4, answerProb: 0.75, rejectProb: 0.2, abandonProb: 0.05, talkMs: 10, ringMs: 5, offerTimeoutSeconds: 1, wrapupSeconds: 0, login: true, seed: 11, summaryMs: 0 };
    const a = await runSimulation({ ...common, strategy: 'most_idle' }, { caller: bus, subscribe: busEvents(bus) });
    const b = await runSimulation({ ...common, strategy: 'round_robin', logout: true }, { caller: bus });
    assertAddsUp(a, 40);
    assertAddsUp(b, 40);
    for (const k of ['answered', 'rejected', 'abandoned', 'timedOut'] as const) assert.equal(b.offers[k], a.offers[k], k);
    // --logout: every recipient's session went to the history
    for (const x of b.recipients) {
      const [last] = await store.listSessions(b.accountId, x.id, { limit: 1 });
      assert.equal(last?.reason, 'simulation_end');
      assert.equal(last?.stats.total_calls, x.after?.total_calls);
    }
  });

  it('stops when aborted: nothing is left ringing or talking', async () => {
    const controller = new AbortController();
    let offered = 0;
    const r = await runSimulation(
      { account: 'demo', queue: 'abort', calls: 1000, concurrency: 4, answerProb: 1, rejectProb: 0, abandonProb: 0, talkMs: 60_000, ringMs: 1, offerTimeoutSeconds: 30, wrapupSeconds: 0, login: true, seed: 1, summaryMs: 0 },
      {
        caller: bus,
        subscribe: async (key, onEvent) =>
          busEvents(bus)(key, (e) => {
            onEvent(e);
            if (e.event === 'delivered' && ++offered === 4) controller.abort();
          }),
        signal: controller.signal,
      },
    );
    assert.equal(r.aborted, true);
    assert.equal(r.completed, false);
    const statuses = await Promise.all(r.recipients.map((x) => store.loadRecipient(r.accountId, x.id)));
    for (const s of statuses) assert.equal(s?.state.availability_state, 'Ready');
  });

  it('an unknown account or no recipient is an error before anything is sent', async () => {
    await assert.rejects(runSimulation({ account: 'nope', queue: 'q' }, { caller: bus, shardCount: SHARDS }), /bad identifier/);
    await assert.rejects(runSimulation({ account: 'demo', queue: 'q', recipients: ['ffffffffffffffffffffffffffffffff'] }, { caller: bus, shardCount: SHARDS }), /not recipients/);
  });
});
