/**
 * `npm run bench [-- name ...] [-- --quick]`: runs the benchmark scenarios (all, or those named),
 * prints a table of their rows and which targets are met, and writes them to
 * bench-results/<timestamp>.json. `--quick`: short loads and small populations (a smoke test of
 * the harness; its figures mean nothing).
 *
 * A scenario is a module exporting a BenchScenario; add it to SCENARIOS below.
 * These are measurements, not tests: they start what they need (RabbitMQ must be reachable at
 * AMQP_URL, default amqp://guest:guest@127.0.0.1:5672, with rabbitmqctl for a throw-away vhost).
 * See docs/performance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBroker } from '../scripts/lib/broker.js';
import { failover } from './failover.js';
import { queueFailover } from './queue-failover.js';
import { baselinesScenario } from './scenarios/baselines.js';
import { brokerLegsScenario } from './scenarios/broker-legs.js';
import { bulkStatusScenario } from './scenarios/bulk-status.js';
import { getStatusScenario } from './scenarios/get-status.js';
import { loginScenario } from './scenarios/login.js';
import { memoryScenario } from './scenarios/memory.js';
import { postStatusScenario } from './scenarios/post-status.js';
import { queueRoutingScenario } from './scenarios/queue-routing.js';
import { simulatorScenario } from './scenarios/simulator.js';
import { websocketFanoutScenario } from './scenarios/websocket-fanout.js';
import { closeBracketedC } from './support/bracketed-c.js';
import { closeStack } from './support/stack.js';
import type { BenchContext, BenchRow, BenchScenario } from './types.js';

export const SCENARIOS: BenchScenario[] = [
  baselinesScenario,
  getStatusScenario,
  postStatusScenario,
  brokerLegsScenario,
  bulkStatusScenario,
  loginScenario,
  simulatorScenario,
  memoryScenario,
  failover,
  websocketFanoutScenario,
  queueRoutingScenario,
  queueFailover,
];

function table(rows: BenchRow[]): string {
  const cols = ['scenario', 'metric', 'value', 'unit', 'baseline', 'ratio', 'target', 'met'] as const;
  const cell = (r: BenchRow, c: (typeof cols)[number]): string => {
    const v = r[c];
    if (v === undefined) return '';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
    return String(v);
  };
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line([...cols]), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r, c))))].join('\n');
}

async function main(): Promise<number> {
  const quick = process.argv.includes('--quick');
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const chosen = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;

  const broker = await ensureBroker((l) => process.stdout.write(`[bench] ${l}\n`));
  process.env['AMQP_URL'] = broker.url;
  const rows: BenchRow[] = [];
  let failed = 0;
  try {
    for (const s of chosen) {
      process.stdout.write(`[bench] ${s.name}: ${s.description}\n`);
      const started = Date.now();
      const ctx: BenchContext = { quick, log: (l) => process.stdout.write(`[bench] ${s.name}: ${l}\n`) };
      try {
        rows.push(...(await s.run(ctx)));
      } catch (err) {
        failed++;
        process.stdout.write(`[bench] ${s.name} FAILED: ${(err as Error).stack ?? String(err)}\n`);
      }
      process.stdout.write(`[bench] ${s.name} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await closeStack();
    await closeBracketedC();
    await broker.stop();
  }
  process.stdout.write(`\n${table(rows)}\n`);
  const targets = rows.filter((r) => r.target !== undefined);
  if (targets.length) {
    process.stdout.write(`\nTargets${quick ? ' (--quick: not meaningful)' : ''}:\n`);
    for (const r of targets) {
      // a throughput target is a ratio to the baseline; every other target is on the value itself
      const shown = r.metric === 'throughput' && r.ratio !== undefined ? `${r.ratio} x baseline` : `${Number.isInteger(r.value) ? r.value : r.value.toFixed(3)} ${r.unit}`;
      process.stdout.write(`  ${r.met ? 'met    ' : 'NOT met'}  ${r.scenario}.${r.metric} = ${shown} (target ${r.target})${r.note ? `  ${r.note}` : ''}\n`);
    }
  }
  const dir = 'bench-results';
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, quick, scenarios: chosen.map((c) => c.name), rows }, null, 2)}\n`);
  process.stdout.write(`\n[bench] results written to ${file}\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stdout.write(`[bench] ${err.message}\n`);
    process.exit(1);
  },
);
