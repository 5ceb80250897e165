/**
 * Memory per logged-in recipient at 100,000 recipients on ONE worker: heap and RSS growth
 * divided by N, after a full GC, in a child process started with --expose-gc (see memory-child.ts
 * for what it runs). Target: ≤ 2 KB of heap per recipient. `--quick`: 10,000 recipients.
 */
import { rowOf } from '../support/rows.js';
import { startTs } from '../support/processes.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';

const SCENARIO = 'memory_100k';
const TARGET_BYTES = 2048;

interface ChildResult {
  recipients: number;
  commandsEach: number;
  loggedIn: number;
  loginMs: number;
  commandsMs: number;
  heapPerRecipientAfterLogin: number;
  heapPerRecipient: number;
  heapPerCommand: number;
  recentCommandsCap: number;
  rssPerRecipient: number;
  heapTotal: number;
  rss: number;
  recentCommandsKept: number;
  stateJsonBytes: number;
}

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const n = ctx.quick ? 10_000 : Number(process.env['BENCH_MEMORY_RECIPIENTS'] ?? 100_000);
  const k = ctx.quick ? 4 : Number(process.env['BENCH_MEMORY_COMMANDS'] ?? 8);
  const child = startTs('memory-child', 'bench/scenarios/memory-child.ts', { MEMORY_RECIPIENTS: String(n), MEMORY_COMMANDS: String(k) }, { nodeArgs: ['--expose-gc', '--max-old-space-size=8192'] });
  try {
    const r = await child.message<ChildResult>('result', 30 * 60_000);
    const projected = r.heapPerRecipient + Math.max(0, r.recentCommandsCap - r.recentCommandsKept) * Math.max(0, r.heapPerCommand);
    ctx.log(`${r.loggedIn} logged in: heap ${r.heapPerRecipient.toFixed(0)} B/recipient (${r.heapPerRecipientAfterLogin.toFixed(0)} after login only), rss ${r.rssPerRecipient.toFixed(0)} B/recipient`);
    return [
      rowOf(SCENARIO, 'heap_per_recipient', r.heapPerRecipient, 'bytes', { target: TARGET_BYTES, met: r.heapPerRecipient <= TARGET_BYTES && r.loggedIn === n, note: `${n} recipients, login + ${k} commands each, after GC` }),
      rowOf(SCENARIO, 'heap_per_recipient_login_only', r.heapPerRecipientAfterLogin, 'bytes'),
      rowOf(SCENARIO, 'heap_per_remembered_command', r.heapPerCommand, 'bytes', { note: 'growth per command id kept (second half of the run)' }),
      rowOf(SCENARIO, 'heap_per_recipient_full_ring', projected, 'bytes', {
        target: TARGET_BYTES,
        met: projected <= TARGET_BYTES,
        note: `projected: ${r.recentCommandsCap} command ids remembered (the cap), from the measured growth per id`,
      }),
      rowOf(SCENARIO, 'rss_per_recipient', r.rssPerRecipient, 'bytes', { note: 'includes SQLite page cache and allocator slack' }),
      rowOf(SCENARIO, 'heap_total', r.heapTotal / 1048576, 'MB'),
      rowOf(SCENARIO, 'rss_total', r.rss / 1048576, 'MB'),
      rowOf(SCENARIO, 'logged_in', r.loggedIn, 'recipients', { target: n, met: r.loggedIn === n }),
      rowOf(SCENARIO, 'in_process_logins_per_s', n / (r.loginMs / 1000), 'logins/s', { note: 'in-process bus + SQLite, no broker' }),
      rowOf(SCENARIO, 'in_process_commands_per_s', (n * k) / (r.commandsMs / 1000), 'commands/s', { note: 'in-process bus + SQLite, no broker' }),
      rowOf(SCENARIO, 'recent_commands_kept', r.recentCommandsKept, 'entries', { note: 'per recipient, after the run' }),
      rowOf(SCENARIO, 'state_json_bytes', r.stateJsonBytes, 'bytes', { note: 'one recipient state as stored' }),
    ];
  } finally {
    await child.stop();
  }
}

export const memoryScenario: BenchScenario = {
  name: 'memory',
  description: 'heap and RSS per logged-in recipient at 100,000 recipients on one worker, after GC (target <= 2 KB heap)',
  run,
};
