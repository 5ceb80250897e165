/** Row helpers shared by the scenarios: the standard figures of a load run and its ratios. */
import type { BenchContext, BenchRow } from '../types.js';
import type { LoadResult } from './load.js';

/** measured seconds and warm-up seconds of one load run */
export function durations(ctx: BenchContext): { durationS: number; warmupS: number } {
  return ctx.quick ? { durationS: 2, warmupS: 0.5 } : { durationS: Number(process.env['BENCH_DURATION_S'] ?? 10), warmupS: 2 };
}

export const round = (v: number): number => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000) : v);

export function rowOf(scenario: string, metric: string, value: number, unit: string, extra: Partial<BenchRow> = {}): BenchRow {
  const row: BenchRow = { scenario, metric, value: round(value), unit };
  if (extra.baseline !== undefined && Number.isFinite(extra.baseline)) {
    row.baseline = round(extra.baseline);
    row.ratio = round(value / extra.baseline);
  }
  if (extra.target !== undefined) row.target = extra.target;
  if (extra.met !== undefined) row.met = extra.met;
  if (extra.note !== undefined) row.note = extra.note;
  return row;
}

/**
 * The standard rows of a load run: throughput (against `baseline` when given), p50, p99, CPU
 * seconds per 1,000 operations of the services and of the broker, failures.
 */
export function loadRows(
  scenario: string,
  r: LoadResult,
  opts: { unit?: string; baseline?: LoadResult; baselineName?: string; throughputTarget?: number; p99Target?: number; note?: string; isBaseline?: boolean } = {},
): BenchRow[] {
  const unit = opts.unit ?? 'req/s';
  const b = opts.baseline;
  const rows: BenchRow[] = [];
  const tput: Partial<BenchRow> = { note: opts.note ?? (opts.baselineName ? `ratio to ${opts.baselineName}` : '') };
  if (b) tput.baseline = b.rps;
  if (opts.throughputTarget !== undefined && b) {
    tput.target = opts.throughputTarget;
    tput.met = r.rps / b.rps >= opts.throughputTarget;
    tput.note = `ratio to ${opts.baselineName ?? 'baseline'}; target: ratio >= ${opts.throughputTarget}`;
  }
  rows.push(rowOf(scenario, 'throughput', r.rps, unit, tput));
  rows.push(rowOf(scenario, 'latency_p50', r.p50, 'ms', b ? { baseline: b.p50 } : {}));
  rows.push(
    rowOf(scenario, 'latency_p99', r.p99, 'ms', {
      ...(b ? { baseline: b.p99 } : {}),
      ...(opts.p99Target !== undefined ? { target: opts.p99Target, met: r.p99 <= opts.p99Target } : {}),
    }),
  );
  rows.push(rowOf(scenario, 'cpu_per_1k', r.cpuPer1k, 'cpu s/1k ops', { ...(b ? { baseline: b.cpuPer1k } : {}), note: 'service processes (user+sys)' }));
  // each service process on its own: the one that costs most is where optimising pays
  for (const [name, v] of Object.entries(r.cpuPer1kBy)) {
    const base = opts.baseline?.cpuPer1kBy[name];
    rows.push(rowOf(scenario, `cpu_per_1k.${name}`, v, 'cpu s/1k ops', { ...(base !== undefined ? { baseline: base } : {}), note: `${name} process` }));
  }
  if (Number.isFinite(r.brokerCpuPer1k)) {
    rows.push(rowOf(scenario, 'broker_cpu_per_1k', r.brokerCpuPer1k, 'cpu s/1k ops', { ...(b && Number.isFinite(b.brokerCpuPer1k) ? { baseline: b.brokerCpuPer1k } : {}), note: 'RabbitMQ (beam.smp)' }));
  }
  rows.push(rowOf(scenario, 'failures', r.failures, 'responses', opts.isBaseline ? { note: 'non-2xx, errors, timeouts' } : { target: 0, met: r.failures === 0, note: 'non-2xx, errors, timeouts' }));
  return rows;
}
