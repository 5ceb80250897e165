/**
 * Smoke test of the benchmark harness (bench/): the load generator against the bare-Koa baseline
 * process for half a second, and the row helpers. No figure is asserted (timings are the
 * benchmark's business, never a test's): only that the harness runs and reports well-formed rows.
 */
import assert from 'node:assert/strict';
import { load } from '../../bench/support/load.js';
import { startTs } from '../../bench/support/processes.js';
import { loadRows, rowOf } from '../../bench/support/rows.js';

describe('bench harness (smoke)', function () {
  this.timeout(20_000);

  it('loads a server for a bounded time and reports throughput, latency and CPU rows', async () => {
    const bare = startTs('koa-bare', 'bench/baselines/koa-bare.ts', {});
    try {
      const { port } = await bare.message<{ port: number }>('ready', 15_000);
      const r = await load({ url: `http://127.0.0.1:${port}/status`, connections: 4, durationS: 0.5, pids: [bare.pid] });
      assert.ok(r.requests > 0);
      assert.equal(r.failures, 0);
      for (const v of [r.rps, r.p50, r.p99, r.cpuPer1k]) assert.ok(Number.isFinite(v));
      const rows = loadRows('smoke', r, { baseline: r, baselineName: 'itself', throughputTarget: 1 });
      assert.deepEqual(rows.map((x) => x.metric), ['throughput', 'latency_p50', 'latency_p99', 'cpu_per_1k', 'failures']);
      assert.equal(rows[0]!.ratio, 1);
      assert.equal(rows[0]!.met, true);
    } finally {
      await bare.stop();
    }
  });

  it('a row against a baseline carries its ratio', () => {
    assert.deepEqual(rowOf('s', 'm', 30, 'req/s', { baseline: 20, target: 1.5, met: true }), { scenario: 's', metric: 'm', value: 30, unit: 'req/s', baseline: 20, ratio: 1.5, target: 1.5, met: true });
  });
});
