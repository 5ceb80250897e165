/**
 * Benchmark scenario "websocket-fanout": 1,000 websocket subscribers on ONE gateway receive every
 * event of a simulator run over 200 recipients.
 *
 * - A real RabbitMQ (a throw-away vhost), one worker (SQLite) and the gateway under test, each in
 *   its OWN process (their `main.ts`, as deployed), so that neither the worker's synchronous SQLite
 *   writes nor the 1,000 clients of this process stall the gateway; its memory is read from its
 *   /metrics (process_resident_memory_bytes, nodejs_heap_size_used_bytes).
 * - 200 recipients are logged in, then 1,000 websockets subscribe to `qubicle.recipient.*` (each
 *   gets a 200-entry snapshot), then the queue simulator (tools/simulator, `runSimulation`) drives
 *   calls through the bus. A bus subscriber of its own counts what was published (the truth).
 * - Every client checks its per-recipient sequence numbers (a gap = a seq that is not the previous
 *   one + 1, a new login excepted; a duplicate = not above the previous one) and measures the
 *   delivery latency: the event's `timestamp` (set by the worker when it applied the change) → the
 *   client's receive time. `bus_latency_*` is the same measure for a plain bus subscriber of this
 *   process (worker → RabbitMQ → consumer): the gateway's own share is the difference.
 *
 * Rows: {scenario, metric, value, unit, target?, met?}. Standalone:
 *   tsx --conditions=source bench/scenarios/websocket-fanout.ts [--subscribers 1000] [--recipients 200] [--calls 400] [--concurrency 25]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { EVENTS_EXCHANGE, validateRecipientEvent } from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { createAmqpBus, type AmqpBus } from '@qubicle/transport';
import { bootstrapDemo, createStore } from '@qubicle/recipient-worker';
import { createTestVhost, type TestVhost } from '../../libs/transport/test/support/vhost.js';
import { freePort } from '../../test/support/free-port.js';
import { busEvents, runSimulation } from '../../tools/simulator/src/index.js';
import { startTs, waitFor, type Child } from '../support/processes.js';
import { writeRecipients } from '../support/recipients.js';
import type { BenchRow, BenchScenario } from '../types.js';

export interface WebsocketFanoutOptions {
  subscribers?: number;
  recipients?: number;
  /** calls the simulator places */
  calls?: number;
  /** calls in the system at once */
  concurrency?: number;
  /** progress lines (default: none) */
  log?: (line: string) => void;
}

const SCENARIO = 'websocket-fanout';
const SECRET = 'bench-live-token-secret-0123456789abcdef0123';
const ADMIN_PASSWORD = 'bench-admin-password';
const SHARD_COUNT = 8;
/** latency histogram: 0.1 ms buckets up to 30 s */
const BUCKET_MS = 0.1;
const BUCKETS = 300_000;

export async function websocketFanout(opts: WebsocketFanoutOptions = {}): Promise<BenchRow[]> {
  const subscribers = opts.subscribers ?? 1000;
  const recipientCount = opts.recipients ?? 200;
  const calls = opts.calls ?? 400;
  // ~30 events/s x 1,000 sockets: what this 2-core box sustains with RabbitMQ, the worker, the
  // gateway, the simulator and the 1,000 clients all on it (raise it on a bigger box)
  const concurrency = opts.concurrency ?? Math.min(25, Math.floor(recipientCount * 0.75));
  const log = opts.log ?? (() => {});
  const rows: BenchRow[] = [];
  const row = (metric: string, value: number, unit: string, target?: { target: number; met: boolean }) =>
    rows.push({ scenario: SCENARIO, metric, value: round(value), unit, ...(target ?? {}) });

  let vhost: TestVhost | undefined;
  let serviceBus: AmqpBus | undefined;
  const children: Child[] = [];
  const sockets: WebSocket[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'qubicle-bench-ws-'));
  try {
    vhost = await createTestVhost();
    const sqlitePath = join(dir, 'qubicle.db');

    // ---- the store: the demo account and 200 recipients (written before the worker starts) ---------
    const store = createStore({ sqlitePath });
    await store.init();
    const { account } = await bootstrapDemo(store, { accountName: 'bench', adminUsername: 'admin', adminPassword: ADMIN_PASSWORD, logger: pino({ level: 'silent' }) });
    const accountId = account.id;
    const ids = await writeRecipients(store, accountId, recipientCount);
    await store.close();

    // ---- the worker and the gateway under test, each in its own process ----------------------------
    const common = { AMQP_URL: vhost.url, SHARD_COUNT: String(SHARD_COUNT), LOG_LEVEL: 'warn', RPC_TIMEOUT_MS: '10000' };
    const workerPort = await freePort();
    children.push(
      startTs(
        'worker',
        'services/recipient-worker/src/main.ts',
        { ...common, SQLITE_PATH: sqlitePath, NODE_NAME: 'bench-worker', METRICS_PORT: String(workerPort), BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD },
        { echoStderr: true },
      ),
    );
    await waitFor('the worker to be ready', 60_000, async () => (await fetch(`http://127.0.0.1:${workerPort}/readyz`)).status === 200);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    children.push(
      startTs(
        'gateway',
        'services/api-gateway/src/main.ts',
        {
          ...common,
          AUTH_TOKEN_SECRET: SECRET,
          PORT: String(port),
          HOST: '127.0.0.1',
          NODE_NAME: 'bench-gateway',
          LIVE_MAX_CONNECTIONS: String(subscribers + 100),
        },
        // BENCH_GATEWAY_NODE_ARGS: node flags for the gateway under test (e.g. --max-old-space-size=…)
        { nodeArgs: (process.env['BENCH_GATEWAY_NODE_ARGS'] ?? '').split(' ').filter(Boolean), echoStderr: true },
      ),
    );
    await waitFor('the gateway to be ready', 60_000, async () => (await fetch(`${base}/readyz`)).status === 200);
    const auth = await fetch(`${base}/v2/user_auth`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: { account_name: 'bench', credentials: createHash('md5').update(`admin:${ADMIN_PASSWORD}`).digest('hex') } }),
    });
    const adminToken = ((await auth.json()) as { auth_token: string }).auth_token;

    serviceBus = createAmqpBus({ url: vhost.url, name: 'bench-queue-service' });
    await serviceBus.waitForConnection(10_000);
    const bus = new RecipientBusClient({ caller: serviceBus, shardCount: SHARD_COUNT, service: 'bench', timeoutMs: 10_000 });
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => bus.login(accountId, id)));
    log(`${ids.length} recipients logged in`);
    const idle = await gatewayMemory(base);
    log(`gateway ready on ${base}: rss ${mb(idle.rss).toFixed(1)} MB`);

    // ---- 1,000 subscribers ----------------------------------------------------------------------
    const latency = new Uint32Array(BUCKETS);
    let counting = false;
    let deliveries = 0;
    let gaps = 0;
    let duplicates = 0;
    let snapshotEntries = 0;
    let firstDelivery = 0;
    let lastDelivery = 0;
    let latencyOver = 0;
    const clients: Array<{ last: Map<string, number>; received: number; complete: boolean }> = [];
    const subscribeStart = performance.now();
    const url = `ws://127.0.0.1:${port}/socket`;
    for (let i = 0; i < subscribers; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, subscribers - i) }, async () => {
          const state = { last: new Map<string, number>(), received: 0, complete: false };
          clients.push(state);
          const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
          sockets.push(ws);
          await new Promise<void>((resolve, reject) => {
            ws.once('open', () => resolve());
            ws.once('error', reject);
          });
          ws.on('message', (data: Buffer) => {
            const now = Date.now();
            const ev = fastEvent(data);
            if (!ev) {
              const text = data.toString('utf8');
              const msg = JSON.parse(text) as { action: string; name?: string; status?: string; data?: { recipient_id?: string; seq?: number } };
              if (msg.action === 'reply' && msg.status !== 'success') throw new Error(`subscribe refused: ${text}`);
              if (msg.name === 'snapshot' && msg.data?.recipient_id && msg.data.seq !== undefined) {
                state.last.set(msg.data.recipient_id, msg.data.seq);
                snapshotEntries++;
              }
              if (msg.name === 'snapshot_complete') state.complete = true;
              return;
            }
            const prev = state.last.get(ev.rid);
            if (prev !== undefined) {
              if (ev.seq <= prev) duplicates++;
              else if (ev.seq !== prev + 1 && ev.name !== 'create') gaps++;
            }
            if (prev === undefined || ev.seq > prev) state.last.set(ev.rid, ev.seq);
            if (!counting) return;
            state.received++;
            deliveries++;
            if (firstDelivery === 0) firstDelivery = now;
            lastDelivery = now;
            const b = Math.floor(Math.max(0, now - ev.timestamp) / BUCKET_MS);
            if (b < BUCKETS) latency[b]!++;
            else latencyOver++;
          });
          ws.send(JSON.stringify({ action: 'subscribe', auth_token: adminToken, request_id: 'bench', data: { account_id: accountId, binding: 'qubicle.recipient.*' } }));
        }),
      );
    }
    await waitFor('every subscriber to get its snapshot', 120_000, () => clients.every((c) => c.complete));
    const subscribeMs = performance.now() - subscribeStart;
    const withSubscribers = await gatewayMemory(base);
    log(`${subscribers} subscribers, snapshots done in ${Math.round(subscribeMs)} ms (${snapshotEntries} entries); rss ${mb(withSubscribers.rss)} MB`);

    // ---- the truth: what was published on the bus --------------------------------------------------
    const truth = new Map<string, number>();
    const busLatency = new Uint32Array(BUCKETS);
    let published = 0;
    const truthConsumer = await serviceBus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [`qubicle.recipient.${accountId}.#`], prefetch: 1000 }, async (msg) => {
      const v = validateRecipientEvent(msg.body);
      if (!v.ok) return;
      published++;
      const b = Math.floor(Math.max(0, Date.now() - v.value.timestamp) / BUCKET_MS);
      if (b < BUCKETS) busLatency[b]!++;
      truth.set(v.value.recipient_id, Math.max(truth.get(v.value.recipient_id) ?? 0, v.value.seq));
    });

    // ---- the simulator run ---------------------------------------------------------------------
    let peak = withSubscribers;
    const sampler = setInterval(() => {
      void gatewayMemory(base).then((m) => {
        if (m.rss > peak.rss) peak = m;
      }, () => undefined);
    }, 500);
    counting = true;
    const simStart = performance.now();
    const result = await runSimulation(
      {
        account: accountId,
        queue: 'bench-fanout',
        calls,
        concurrency,
        login: true,
        talkMs: 1_000,
        ringMs: 100,
        offerTimeoutSeconds: 10,
        wrapupSeconds: 1,
        answerProb: 0.85,
        rejectProb: 0.05,
        abandonProb: 0.05,
        summaryMs: 0,
        recipients: ids,
        seed: 7,
      },
      { caller: serviceBus, subscribe: busEvents(serviceBus), shardCount: SHARD_COUNT },
    );
    const simMs = performance.now() - simStart;
    log(`simulation: ${result.calls.placed} calls, ${result.calls.answered} answered in ${Math.round(simMs)} ms; ${published} events so far`);
    // the last wrap-ups end by themselves: wait until the bus has been quiet for 2 s
    for (let seen = -1; seen !== published; ) {
      seen = published;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    // every subscriber has everything the bus carried
    await waitFor('every subscriber to receive the last event of every recipient', 60_000, () =>
      clients.every((c) => [...truth].every(([rid, seq]) => (c.last.get(rid) ?? 0) >= seq)),
    ).catch((err: Error) => log(err.message));
    clearInterval(sampler);
    await truthConsumer.cancel();
    const after = await gatewayMemory(base);
    if (after.rss > peak.rss) peak = after;

    // ---- rows ------------------------------------------------------------------------------------
    const expected = published * subscribers;
    const seconds = Math.max(0.001, (lastDelivery - firstDelivery) / 1000);
    row('subscribers', subscribers, 'websockets');
    row('recipients', recipientCount, 'recipients');
    row('subscribe_all_ms', subscribeMs, 'ms');
    row('snapshot_entries', snapshotEntries, 'messages');
    row('calls_simulated', result.calls.placed, 'calls');
    row('events_published', published, 'events');
    row('events_published_per_s', published / (simMs / 1000), 'events/s');
    row('deliveries', deliveries, 'messages');
    row('missing_deliveries', Math.max(0, expected - deliveries), 'messages', { target: 0, met: deliveries >= expected });
    row('delivered_per_s', deliveries / seconds, 'msg/s');
    row('bus_latency_p50', percentile(busLatency, 0, 0.5), 'ms');
    row('bus_latency_p99', percentile(busLatency, 0, 0.99), 'ms');
    row('latency_p50', percentile(latency, latencyOver, 0.5), 'ms');
    row('latency_p99', percentile(latency, latencyOver, 0.99), 'ms');
    row('latency_max', percentile(latency, latencyOver, 1), 'ms');
    row('sequence_gaps', gaps, 'gaps', { target: 0, met: gaps === 0 });
    row('duplicates', duplicates, 'messages', { target: 0, met: duplicates === 0 });
    row('gateway_rss_idle', mb(idle.rss), 'MB');
    row('gateway_rss_subscribed', mb(withSubscribers.rss), 'MB');
    row('gateway_rss_peak', mb(peak.rss), 'MB');
    row('gateway_rss_delta', mb(peak.rss - idle.rss), 'MB');
    row('gateway_heap_idle', mb(idle.heap), 'MB');
    row('gateway_heap_peak', mb(Math.max(peak.heap, after.heap)), 'MB');
    row('gateway_heap_delta', mb(Math.max(peak.heap, after.heap) - idle.heap), 'MB');
    return rows;
  } finally {
    for (const ws of sockets) ws.terminate();
    await serviceBus?.close().catch(() => undefined);
    for (const child of children.reverse()) await child.stop();
    await vhost?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the bench runner (bench/run.ts) registers. */
export const websocketFanoutScenario: BenchScenario = {
  name: SCENARIO,
  description: '1,000 websocket subscribers on one gateway receive every event of a simulator run over 200 recipients',
  // --quick: 100 subscribers, 60 calls (a smoke test of the scenario; its figures mean nothing)
  run: (ctx) => websocketFanout({ log: (l) => ctx.log(l), ...(ctx.quick ? { subscribers: 100, calls: 60 } : {}) }),
};
export default websocketFanout;

const EVENT = Buffer.from('{"action":"event"');
const NAME = Buffer.from('"name":"');
const RID = Buffer.from('"recipient_id":"');
const SEQ = Buffer.from('"seq":');
const TS = Buffer.from('"timestamp":');

/**
 * Recipient id, seq, timestamp and name of a live event frame, read from the bytes without
 * decoding or parsing the whole message (the clients share this process with the simulator:
 * keep them cheap). undefined for anything else (replies, snapshots).
 */
function fastEvent(b: Buffer): { rid: string; seq: number; timestamp: number; name: string } | undefined {
  if (b.length < EVENT.length || b.compare(EVENT, 0, EVENT.length, 0, EVENT.length) !== 0) return undefined;
  const n = b.indexOf(NAME) + NAME.length;
  const nameEnd = b.indexOf(34, n); // "
  const name = b.toString('latin1', n, nameEnd);
  if (name === 'snapshot' || name === 'snapshot_complete') return undefined;
  const r = b.indexOf(RID, nameEnd);
  const s = b.indexOf(SEQ, r);
  const t = b.indexOf(TS, s);
  if (r < 0 || s < 0 || t < 0) return undefined;
  return { rid: b.toString('latin1', r + RID.length, r + RID.length + 32), seq: digits(b, s + SEQ.length), timestamp: digits(b, t + TS.length), name };
}

function digits(b: Buffer, at: number): number {
  let v = 0;
  for (let i = at; i < b.length; i++) {
    const c = b[i]!;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  return v;
}

function percentile(hist: Uint32Array, over: number, q: number): number {
  let total = over;
  for (const c of hist) total += c;
  if (total === 0) return 0;
  const want = Math.max(1, Math.ceil(total * q));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= want) return (i + 1) * BUCKET_MS;
  }
  return BUCKETS * BUCKET_MS;
}

async function gatewayMemory(base: string): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: value('process_resident_memory_bytes'), heap: value('nodejs_heap_size_used_bytes') };
}

const mb = (bytes: number) => bytes / (1024 * 1024);
const round = (v: number) => (Number.isInteger(v) ? v : Math.round(v * 100) / 100);

// ---- standalone -----------------------------------------------------------------------------------

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const opts: WebsocketFanoutOptions = { log: (l) => process.stderr.write(`[${SCENARIO}] ${l}\n`) };
  const subs = arg('subscribers');
  const recs = arg('recipients');
  const calls = arg('calls');
  const concurrency = arg('concurrency');
  if (concurrency !== undefined) opts.concurrency = concurrency;
  if (subs !== undefined) opts.subscribers = subs;
  if (recs !== undefined) opts.recipients = recs;
  if (calls !== undefined) opts.calls = calls;
  websocketFanout(opts).then(
    (rows) => {
      const w = Math.max(...rows.map((r) => r.metric.length));
      for (const r of rows) {
        const t = r.target !== undefined ? `  (target ${r.target}: ${r.met ? 'met' : 'NOT met'})` : '';
        process.stdout.write(`${r.metric.padEnd(w)}  ${String(r.value).padStart(12)} ${r.unit}${t}\n`);
      }
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      process.exit(rows.every((r) => r.met !== false) ? 0 : 1);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
