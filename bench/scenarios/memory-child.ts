/**
 * Child of the memory scenario (run with `node --expose-gc`): ONE worker in this process (the real
 * createWorker: shard manager, shard handler, actors) over the in-process bus and a SQLite file in
 * a temp dir. N recipients are logged in through the shard queues (RecipientBusClient over the
 * bus), then each gets K more commands (ready/away flips, so that every recipient's redelivery
 * memory holds what a busy agent's would); heap and RSS are read after a full GC before and after.
 * The in-process bus is used so that the figure is the worker's own cost per recipient (an AMQP
 * connection's buffers do not grow with the number of recipients).
 *
 * Env: MEMORY_RECIPIENTS (100000), MEMORY_COMMANDS (K, 8). Prints {"result":{...}} on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { newKazooId, type UserDoc } from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { createMemoryBus } from '@qubicle/transport';
import { RECENT_COMMANDS_KEPT, bootstrapDemo, createStore, createWorker, loadWorkerConfig } from '@qubicle/recipient-worker';

const N = Number(process.env['MEMORY_RECIPIENTS'] ?? 100_000);
const K = Number(process.env['MEMORY_COMMANDS'] ?? 8);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function measure(): { heap: number; rss: number } {
  for (let i = 0; i < 4; i++) gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const dir = mkdtempSync(join(tmpdir(), 'qubicle-bench-mem-'));
const log = (l: string) => process.stderr.write(`[memory-child] ${l}\n`);
try {
  const store = createStore({ sqlitePath: join(dir, 'qubicle.db') });
  await store.init();
  const logger = pino({ level: 'silent' });
  const { account } = await bootstrapDemo(store, { accountName: 'bench', adminUsername: 'admin', adminPassword: 'bench-admin-password', logger });
  let t = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const id = newKazooId();
    const doc: UserDoc = { id, account_id: account.id, first_name: `A${i}`, last_name: 'Mem', username: `m${i}`, priv_level: 'user', enabled: true, qubicle: { enabled: true, permissions: { monitor: false } } };
    await store.createUser(doc, null);
    ids.push(id);
  }
  log(`${N} users in ${Date.now() - t} ms`);
  const bus = createMemoryBus({ logger });
  const config = loadWorkerConfig({ NODE_NAME: 'bench-memory', SHARD_COUNT: '64', LOG_LEVEL: 'silent', METRICS_PORT: '0' });
  const worker = createWorker({ bus, store, config, logger });
  await worker.start();
  const client = new RecipientBusClient({ caller: bus, shardCount: 64, timeoutMs: 60_000, service: 'bench-memory' });
  // the account settings cache and every code path warmed up with one recipient, then forgotten
  await client.login(account.id, ids[0]!);
  await client.logout(account.id, ids[0]!);
  const before = measure();

  t = performance.now();
  await mapLimit(ids, 256, (id) => client.login(account.id, id));
  const loginMs = performance.now() - t;
  log(`${N} logins in ${Math.round(loginMs)} ms`);
  const afterLogin = measure();
  t = performance.now();
  let half = afterLogin;
  for (let k = 0; k < K; k++) {
    if (k === Math.floor(K / 2)) {
      const pause = performance.now();
      half = measure();
      t += performance.now() - pause;
    }
    // the aways carry a reason (the built-in missed_calls): each recipient then also holds its away-reason fields and time_in_reason
    await mapLimit(ids, 256, (id) => (k % 2 === 0 ? client.setStatus(account.id, id, 'ready') : client.setStatus(account.id, id, 'away', { reason: 'missed_calls' })));
  }
  const commandsMs = performance.now() - t;
  log(`${N * K} more commands in ${Math.round(commandsMs)} ms`);
  const after = measure();
  const loggedIn = worker.registry.loggedIn().length;
  // not ids[0]: the warm-up logged it in and out first, so its new session inherited that one's ids
  const sample = worker.registry.peek(account.id, ids[N - 1]!)?.state;
  const result = {
    recipients: N,
    commandsEach: K,
    loggedIn,
    loginMs,
    commandsMs,
    heapBefore: before.heap,
    rssBefore: before.rss,
    heapPerRecipientAfterLogin: (afterLogin.heap - before.heap) / N,
    heapPerRecipient: (after.heap - before.heap) / N,
    /** heap per recipient per command remembered (second half of the K commands) */
    heapPerCommand: (after.heap - half.heap) / N / (K - Math.floor(K / 2)),
    recentCommandsCap: RECENT_COMMANDS_KEPT,
    rssPerRecipient: (after.rss - before.rss) / N,
    heapTotal: after.heap,
    rss: after.rss,
    recentCommandsKept: sample?.recent_commands.length ?? 0,
    stateJsonBytes: sample ? JSON.stringify(sample).length : 0,
  };
  process.stdout.write(`${JSON.stringify({ result })}\n`);
  await worker.stop();
  await bus.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
