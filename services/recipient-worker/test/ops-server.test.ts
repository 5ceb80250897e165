import assert from 'node:assert/strict';
import { createMemoryBus } from '@qubicle/transport';
import { ManualClock } from '../src/clock.js';
import { loadWorkerConfig } from '../src/config.js';
import { createWorkerHealth } from '../src/health.js';
import { createWorkerMetrics } from '../src/metrics.js';
import { startOpsServer, type OpsServer } from '../src/ops-server.js';
import { createWorker } from '../src/worker.js';
import { captureLogger } from './support/logger.js';
import { ACCOUNT, T0 } from './support/machine-fixtures.js';
import { TestStore } from './support/test-store.js';
import { parsePrometheusText, sample } from '../../../libs/runtime/test/support/prom-text.js';

async function get(url: string): Promise<{ status: number; type: string | null; body: any; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type'), body, text };
}

describe('ops server (METRICS_PORT): /metrics, /healthz, /readyz', () => {
  let ops: OpsServer | undefined;
  afterEach(async () => {
    await ops?.close();
    ops = undefined;
  });

  function setup(opts: { graceMs?: number } = {}) {
    const store = new TestStore();
    store.addAccount({ id: ACCOUNT });
    const bus = createMemoryBus();
    const clock = new ManualClock(T0);
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    const config = loadWorkerConfig({ NODE_NAME: 'ops-test', SHARD_COUNT: '2', LEASE_TTL_MS: '30000' });
    const worker = createWorker({ bus, store, config, logger: captureLogger(), clock, metrics });
    const health = createWorkerHealth({ bus, store, ownedShards: () => worker.ownedShards().length, graceMs: opts.graceMs ?? 30_000, clock });
    return { store, bus, clock, metrics, worker, health };
  }

  it('healthz 200 at once; readyz 503 "starting" until started, then 200; metrics as Prometheus text', async () => {
    const t = setup();
    ops = await startOpsServer({ port: 0, host: '127.0.0.1', node: 'ops-test', registry: t.metrics.registry, readiness: () => t.health.readiness(), logger: captureLogger() });
    assert.deepEqual((await get(`${ops.url}/healthz`)).body, { status: 'ok', node: 'ops-test' });
    const early = await get(`${ops.url}/readyz`);
    assert.equal(early.status, 503);
    assert.equal(early.type, 'application/json');
    assert.equal(early.body.status, 'unavailable');
    assert.deepEqual(early.body.reasons, ['starting']);

    await t.worker.start();
    t.health.markStarted();
    const ready = await get(`${ops.url}/readyz`);
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(ready.body, { status: 'ok', node: 'ops-test' });

    const metrics = await get(`${ops.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.type ?? '', /^text\/plain/);
    assert.equal(sample(parsePrometheusText(metrics.text), 'qubicle_worker_shards_owned'), 2);

    assert.equal((await get(`${ops.url}/nope`)).status, 404);
    assert.equal((await fetch(`${ops.url}/readyz`, { method: 'POST' })).status, 405);
    t.health.markStopping();
    assert.deepEqual((await get(`${ops.url}/readyz`)).body.reasons, ['stopping: handing shards over']);
    await t.worker.stop();
  });

  it('readyz 503 with the reasons: bus down, store unreachable; 200 again when they are back', async () => {
    const t = setup();
    ops = await startOpsServer({ port: 0, host: '127.0.0.1', node: 'ops-test', registry: t.metrics.registry, readiness: () => t.health.readiness(), logger: captureLogger() });
    await t.worker.start();
    t.health.markStarted();
    try {
      t.bus.simulateDisconnect();
      t.store.down = true;
      const down = await get(`${ops.url}/readyz`);
      assert.equal(down.status, 503);
      assert.deepEqual(down.body.reasons, ['message bus not connected', 'store unreachable: store is down']);
      t.bus.simulateReconnect();
      t.store.down = false;
      assert.equal((await get(`${ops.url}/readyz`)).status, 200);
    } finally {
      await t.worker.stop();
    }
  });

  it('a store ping that hangs is a reason after pingTimeoutMs, not a hung probe', async () => {
    const clock = new ManualClock(T0);
    const health = createWorkerHealth({
      bus: { isConnected: () => true },
      store: { ping: () => new Promise<void>(() => {}) },
      ownedShards: () => 1,
      graceMs: 0,
      pingTimeoutMs: 50,
      clock,
    });
    health.markStarted();
    const readiness = health.readiness();
    assert.deepEqual(clock.pendingTimers(), [T0 + 50], 'the ping timeout runs on the injected clock');
    clock.advance(50);
    assert.deepEqual(await readiness, ['store unreachable: no answer within 50 ms']);
  });

  it('no lease held: ready within the start-up grace, not after it', async () => {
    const clock = new ManualClock(T0);
    let owned = 0;
    const health = createWorkerHealth({ bus: { isConnected: () => true }, store: { ping: async () => {} }, ownedShards: () => owned, graceMs: 5_000, clock });
    health.markStarted();
    assert.deepEqual(await health.readiness(), []);
    clock.advance(5_001);
    assert.deepEqual(await health.readiness(), ['no shard lease held (start-up grace of 5000 ms is over)']);
    owned = 3;
    assert.deepEqual(await health.readiness(), []);
  });
});
