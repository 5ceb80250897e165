/**
 * The system under test, shared by the HTTP scenarios of one run: a fresh RabbitMQ vhost
 * (createTestVhost), a SQLite file in a temp dir, ONE recipient-worker process and ONE api-gateway
 * process, each its own `main.ts` as deployed (node + tsx, LOG_LEVEL=warn so that the per-request
 * info lines are not part of the measure), default SHARD_COUNT (64) and SHARD_PREFETCH.
 *
 * The demo account "bench" and a pool of recipients (users with qubicle enabled) are written to
 * the store before the worker starts; scenarios `take()` disjoint slices of the pool. The bench
 * process has its own AMQP connection (`bus`, `client`) for set-up work (logins, states).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RecipientBusClient } from '@qubicle/client';
import { createAmqpBus, type AmqpBus } from '@qubicle/transport';
import { bootstrapDemo, createStore } from '@qubicle/recipient-worker';
import { createTestVhost, type TestVhost } from '../../libs/transport/test/support/vhost.js';
import { freePort } from '../../test/support/free-port.js';
import { findBrokerPid, startTs, waitFor, type Child } from './processes.js';
import { writeRecipients } from './recipients.js';

const SECRET = 'bench-token-secret-0123456789abcdef0123456789';
const ADMIN_PASSWORD = 'bench-admin-password';
export const BENCH_SHARD_COUNT = 64;

export interface Stack {
  vhost: TestVhost;
  /** base URL of the gateway */
  url: string;
  /** the worker's /metrics */
  workerMetricsUrl: string;
  token: string;
  accountId: string;
  worker: Child;
  gateway: Child;
  /** the service processes (their CPU is what a scenario costs) */
  pids: number[];
  /** their names, same order (per-process CPU rows) */
  names: string[];
  brokerPid: number | undefined;
  bus: AmqpBus;
  client: RecipientBusClient;
  /** `n` recipients no other scenario of this run has taken */
  take(n: number): string[];
  /** runs `fn` over `items`, `limit` at a time */
  each<T>(items: T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void>;
  close(): Promise<void>;
}

let shared: Promise<Stack> | undefined;

/** Recipients written to the store for the run: every scenario's share (login 10,000 + simulator 1,000 + queue-routing 6,000 + ...). */
export function poolSize(quick: boolean): number {
  return quick ? 2_100 : 17_500;
}

/** The run's stack, started on first use. */
export function getStack(ctx: { quick: boolean; log(l: string): void }): Promise<Stack> {
  shared ??= startStack(poolSize(ctx.quick), ctx.log);
  return shared;
}

/** Stops the run's stack, if one was started. */
export async function closeStack(): Promise<void> {
  const s = shared;
  shared = undefined;
  if (s) await (await s.catch(() => undefined))?.close();
}

async function startStack(poolSize: number, log: (l: string) => void): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'qubicle-bench-'));
  const vhost = await createTestVhost();
  const children: Child[] = [];
  let bus: AmqpBus | undefined;
  const close = async () => {
    if (process.env['BENCH_SHOW_LOGS']) for (const c of children) process.stdout.write(`--- ${c.name} (last lines)\n${c.lines.slice(-20).join('\n')}\n`);
    await bus?.close().catch(() => undefined);
    for (const c of children.reverse()) await c.stop();
    await vhost.dispose().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const sqlitePath = join(dir, 'qubicle.db');
    const store = createStore({ sqlitePath });
    await store.init();
    const { account } = await bootstrapDemo(store, { accountName: 'bench', adminUsername: 'admin', adminPassword: ADMIN_PASSWORD, logger: pino({ level: 'silent' }) });
    const t = Date.now();
    const pool = await writeRecipients(store, account.id, poolSize);
    await store.close();
    log(`${poolSize} recipients written to the store in ${Date.now() - t} ms`);

    const common = { AMQP_URL: vhost.url, SHARD_COUNT: String(BENCH_SHARD_COUNT), LOG_LEVEL: 'warn', RPC_TIMEOUT_MS: '10000' };
    const workerPort = await freePort();
    const worker = startTs('worker', 'services/recipient-worker/src/main.ts', {
      ...common,
      SQLITE_PATH: sqlitePath,
      NODE_NAME: 'bench-worker',
      METRICS_PORT: String(workerPort),
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    }, { compiled: true });
    children.push(worker);
    await waitFor('the worker to be ready', 60_000, async () => (await fetch(`http://127.0.0.1:${workerPort}/readyz`)).status === 200);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const gateway = startTs('gateway', 'services/api-gateway/src/main.ts', {
      ...common,
      AUTH_TOKEN_SECRET: SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_NAME: 'bench-gateway',
    }, { compiled: true });
    children.push(gateway);
    await waitFor('the gateway to be ready', 60_000, async () => (await fetch(`${url}/readyz`)).status === 200);
    const auth = await fetch(`${url}/v2/user_auth`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: { account_name: 'bench', credentials: createHash('md5').update(`admin:${ADMIN_PASSWORD}`).digest('hex') } }),
    });
    if (auth.status !== 201 && auth.status !== 200) throw new Error(`user_auth: ${auth.status} ${await auth.text()}`);
    const token = ((await auth.json()) as { auth_token: string }).auth_token;

    bus = createAmqpBus({ url: vhost.url, name: 'bench-driver' });
    await bus.waitForConnection(10_000);
    const client = new RecipientBusClient({ caller: bus, shardCount: BENCH_SHARD_COUNT, service: 'bench', timeoutMs: 30_000 });
    let taken = 0;
    log(`worker (pid ${worker.pid}) and gateway (pid ${gateway.pid}) up at ${url}`);
    return {
      vhost,
      url,
      workerMetricsUrl: `http://127.0.0.1:${workerPort}/metrics`,
      token,
      accountId: account.id,
      worker,
      gateway,
      pids: [worker.pid, gateway.pid],
      names: ['worker', 'gateway'],
      brokerPid: await findBrokerPid(),
      bus,
      client,
      take(n) {
        if (taken + n > pool.length) throw new Error(`recipient pool exhausted (${pool.length}); raise the pool size`);
        const out = pool.slice(taken, taken + n);
        taken += n;
        return out;
      },
      each: mapLimit,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The sum of a metric's samples whose labels include `labels`, from a Prometheus text page. */
export async function scrapeSum(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
