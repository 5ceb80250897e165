/**
 * A real cluster for the cluster tests and the failover benchmark: worker and gateway PROCESSES
 * (`node --import tsx --conditions=source .../main.ts`, one OS process each, so that kill -9,
 * SIGSTOP and SIGTERM hit exactly that node), a fresh RabbitMQ vhost, one SQLite file shared by
 * every process (and opened by the test itself to read leases and create users quickly).
 *
 * Every wait polls a condition against a deadline and fails with what it was waiting for; no
 * blind sleeps. `stop()` SIGKILLs whatever is still running (call it from an `after` hook).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EVENTS_EXCHANGE,
  newKazooId,
  type BulkStatusData,
  type ClusterView,
  type RecipientEvent,
  type RecipientStatus,
  type ShardQueueType,
} from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { createAmqpBus, type AmqpBus } from '@qubicle/transport';
import { createStore, type Lease, type Store } from '@qubicle/recipient-worker';
import { createTestVhost, type TestVhost } from '../../../libs/transport/test/support/vhost.js';
import { freePort } from '../../support/free-port.js';
import { until as waitUntil } from '../../support/wait.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const WORKER_MAIN = join(REPO, 'services/recipient-worker/src/main.ts');
const GATEWAY_MAIN = join(REPO, 'services/api-gateway/src/main.ts');
export const ADMIN_PASSWORD = 'cluster-test-pw';
const TOKEN_SECRET = 'cluster-test-token-secret-0123456789abcdef';
export const QUEUE_ID = 'c0000000000000000000000000000001';
export const QUEUE_ID2 = 'c0000000000000000000000000000002';

export interface ClusterOptions {
  queueType: ShardQueueType;
  shardCount?: number;
  leaseTtlMs?: number;
  /** gateway RPC timeout */
  rpcTimeoutMs?: number;
  /** worker log level (default info: the tests read some warn lines) */
  logLevel?: string;
}

export interface NodeProcess {
  name: string;
  kind: 'worker' | 'gateway';
  child: ChildProcess;
  /** stdout + stderr lines */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
}

/** test/support/wait.ts's `until`, with the cluster tests' argument order (timeout first, 100 ms polls). */
export function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false> | T | undefined | false, intervalMs = 100): Promise<T> {
  return waitUntil(what, check, timeoutMs, intervalMs);
}

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * Mocha hooks for the describe they are called in: a cluster of two workers (w1, w2) balanced over
 * 16 shards (classic shard queues), a gateway, the recipient events captured; handed to `keep` once
 * up, stopped after the describe's tests (its logs kept when a test failed).
 */
export function twoWorkerCluster(options: Partial<ClusterOptions>, keep: (c: Cluster) => void): void {
  let c: Cluster | undefined;
  before(async function () {
    this.timeout(180_000);
    const cluster = await Cluster.create({ queueType: 'classic', shardCount: 16, ...options } as ClusterOptions);
    c = cluster;
    cluster.spawnWorker('w1');
    cluster.spawnWorker('w2');
    await Promise.all(['w1', 'w2'].map((n) => cluster.waitForWorker(n)));
    await cluster.startGateway();
    await cluster.waitBalanced(['w1', 'w2'], 30_000);
    await cluster.captureEvents();
    keep(cluster);
  });
  after(async function () {
    this.timeout(30_000);
    await c?.stop({ failed: this.currentTest?.state === 'failed' });
  });
}

export class Cluster {
  readonly nodes = new Map<string, NodeProcess>();
  readonly events: RecipientEvent[] = [];
  accountId = '';
  adminToken = '';
  url = '';
  private gatewayName = '';

  private constructor(
    readonly opts: Required<ClusterOptions>,
    readonly vhost: TestVhost,
    readonly dir: string,
    readonly store: Store,
    /** the test's own bus: direct commands (logins, call events), event capture */
    readonly bus: AmqpBus,
    readonly client: RecipientBusClient,
  ) {}

  static async create(options: ClusterOptions): Promise<Cluster> {
    const opts: Required<ClusterOptions> = {
      shardCount: 64,
      leaseTtlMs: 3000,
      rpcTimeoutMs: 8000,
      logLevel: 'info',
      ...options,
    };
    const vhost = await createTestVhost();
    const dir = mkdtempSync(join(tmpdir(), 'qubicle-cluster-'));
    const store = createStore({ sqlitePath: join(dir, 'qubicle.db') });
    await store.init();
    const bus = createAmqpBus({ url: vhost.url, name: 'cluster-test' });
    await bus.waitForConnection(10_000);
    const client = new RecipientBusClient({ caller: bus, shardCount: opts.shardCount, timeoutMs: 10_000, service: 'cluster-test' });
    return new Cluster(opts, vhost, dir, store, bus, client);
  }

  get sqlitePath(): string {
    return join(this.dir, 'qubicle.db');
  }

  workerEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      AMQP_URL: this.vhost.url,
      SQLITE_PATH: this.sqlitePath,
      NODE_NAME: name,
      SHARD_COUNT: String(this.opts.shardCount),
      SHARD_QUEUE_TYPE: this.opts.queueType,
      LEASE_TTL_MS: String(this.opts.leaseTtlMs),
      METRICS_PORT: '0',
      LOG_LEVEL: this.opts.logLevel,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...extra,
    };
  }

  /** Spawns a worker process (does not wait for it: see waitForWorker / waitBalanced). */
  spawnWorker(name: string, extra: Record<string, string> = {}): NodeProcess {
    return this.spawnNode(name, 'worker', WORKER_MAIN, this.workerEnv(name, extra));
  }

  /** Starts workers and waits until each has registered. */
  async startWorkers(names: string[], timeoutMs = 60_000): Promise<void> {
    for (const name of names) this.spawnWorker(name);
    await Promise.all(names.map((n) => this.waitForWorker(n, timeoutMs)));
  }

  async waitForWorker(name: string, timeoutMs = 60_000): Promise<void> {
    const proc = this.nodes.get(name)!;
    await until(`worker ${name} to register`, timeoutMs, async () => {
      if (proc.exit) throw new Error(`${name} exited (${JSON.stringify(proc.exit)}):\n${proc.lines.slice(-20).join('\n')}`);
      return (await this.store.listNodes()).some((n) => n.name === name);
    }, 200);
  }

  async startGateway(name = 'gateway'): Promise<void> {
    const port = await freePort();
    this.gatewayName = name;
    this.url = `http://127.0.0.1:${port}`;
    const proc = this.spawnNode(name, 'gateway', GATEWAY_MAIN, {
      AMQP_URL: this.vhost.url,
      AUTH_TOKEN_SECRET: TOKEN_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      RPC_TIMEOUT_MS: String(this.opts.rpcTimeoutMs),
      NODE_NAME: name,
      LOG_LEVEL: 'warn',
    });
    this.adminToken = await until('the gateway to answer user_auth', 60_000, async () => {
      if (proc.exit) throw new Error(`gateway exited (${JSON.stringify(proc.exit)}):\n${proc.lines.slice(-20).join('\n')}`);
      const res = await this.api('PUT', '/v2/user_auth', { data: { credentials: md5(`admin:${ADMIN_PASSWORD}`), account_name: 'demo' } }, null);
      return res.status === 201 || res.status === 200 ? (res.body.auth_token as string) : undefined;
    }, 250);
    const account = await this.store.getAccountByName('demo');
    this.accountId = account!.id;
  }

  /** Captures every recipient event of the cluster (for exactly-once checks). */
  async captureEvents(): Promise<void> {
    await this.bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: ['qubicle.recipient.#'], prefetch: 500 }, async (m) => {
      this.events.push(m.body as RecipientEvent);
    });
  }

  private spawnNode(name: string, kind: NodeProcess['kind'], main: string, env: Record<string, string>): NodeProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', main], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
      if (lines.length > 20_000) lines.splice(0, lines.length - 20_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const proc: NodeProcess = {
      name,
      kind,
      child,
      lines,
      exited: new Promise((resolveExit) => {
        child.once('exit', (code, signal) => {
          proc.exit = { code, signal };
          resolveExit(proc.exit);
        });
      }),
    };
    this.nodes.set(name, proc);
    return proc;
  }

  signal(name: string, signal: NodeJS.Signals): void {
    const proc = this.nodes.get(name);
    if (!proc || proc.exit) throw new Error(`${name} is not running`);
    proc.child.kill(signal);
  }

  /** Every output line of a node, parsed as JSON (`{msg: line}` for a line that is not JSON), in order. */
  parsedLines(name: string): Array<Record<string, unknown>> {
    return (this.nodes.get(name)?.lines ?? []).map((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { msg: line };
      } catch {
        return { msg: line };
      }
    });
  }

  /** Log lines of a node whose `msg` matches. */
  logLines(name: string, msg: RegExp): Array<Record<string, unknown>> {
    return this.parsedLines(name).filter((l) => typeof l['msg'] === 'string' && msg.test(l['msg']));
  }

  async api(method: string, path: string, body?: unknown, token: string | null = this.adminToken): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    if (token) headers['X-Auth-Token'] = token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  }

  recipientsPath(): string {
    return `/v2/accounts/${this.accountId}/qubicle_recipients`;
  }

  /** Creates `n` recipients (qubicle-enabled users) straight in the store. */
  async createRecipients(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = newKazooId();
      await this.store.createUser(
        {
          id,
          account_id: this.accountId,
          first_name: 'Agent',
          last_name: `C${String(i).padStart(5, '0')}`,
          username: `agent-c-${i}-${id.slice(0, 6)}`,
          priv_level: 'user',
          enabled: true,
          qubicle: { enabled: true, permissions: { monitor: false } },
        } as never,
        null,
      );
      ids.push(id);
    }
    return ids;
  }

  /** The cluster view through the gateway (admin token). */
  async view(): Promise<ClusterView> {
    const res = await this.api('GET', '/v2/qubicle/cluster');
    if (res.status !== 200) throw new Error(`GET /v2/qubicle/cluster: ${res.status} ${res.text}`);
    return res.body.data as ClusterView;
  }

  /** Every shard held by one of `names` (valid lease), and each of them within one of its fair share. */
  async waitBalanced(names: string[], timeoutMs: number): Promise<Lease[]> {
    return until(`shards balanced over ${names.join(', ')}`, timeoutMs, async () => {
      const leases = await this.store.listLeases();
      const now = Date.now();
      const held = leases.filter((l) => l.owner !== null && l.expires_at > now);
      if (held.length !== this.opts.shardCount || held.some((l) => !names.includes(l.owner!))) return undefined;
      const per = names.map((n) => held.filter((l) => l.owner === n).length);
      const fair = this.opts.shardCount / names.length;
      if (per.some((c) => c < Math.floor(fair) || c > Math.ceil(fair))) return undefined;
      return held;
    }, 100);
  }

  /** Bulk status through the gateway, in chunks of 1000; throws on a non-200. */
  async statuses(ids: string[]): Promise<BulkStatusData> {
    const out: BulkStatusData = {};
    for (let i = 0; i < ids.length; i += 1000) {
      const res = await this.api('POST', `${this.recipientsPath()}/status`, { data: { recipient_ids: ids.slice(i, i + 1000) } });
      if (res.status !== 200) throw new Error(`bulk status: ${res.status} ${res.text.slice(0, 300)}`);
      Object.assign(out, res.body.data);
    }
    return out;
  }

  /** Bulk set through the gateway: {rid: {global: "login"|"ready"|"away", [queue]: "away"}}. */
  async bulkSet(entries: Record<string, Record<string, string>>): Promise<void> {
    const all = Object.entries(entries);
    for (let i = 0; i < all.length; i += 500) {
      const res = await this.api('POST', `${this.recipientsPath()}/status`, { data: { set_status: true, ...Object.fromEntries(all.slice(i, i + 500)) } });
      if (res.status !== 200) throw new Error(`bulk set: ${res.status} ${res.text.slice(0, 300)}`);
      const failed = Object.entries(res.body.data as Record<string, Record<string, string>>).filter(([, r]) => Object.values(r).some((v) => v !== 'ok'));
      if (failed.length) throw new Error(`bulk set failed for ${failed.length} recipients, e.g. ${JSON.stringify(failed[0])}`);
    }
  }

  /** Kills every process still running, closes the bus and the store, deletes the vhost and files; `failed`: keeps the process logs (returns their folder). */
  async stop(opts: { failed?: boolean } = {}): Promise<string | undefined> {
    let logDir: string | undefined;
    if (opts.failed) {
      logDir = join(tmpdir(), `qubicle-cluster-logs-${Date.now()}`);
      mkdirSync(logDir, { recursive: true });
      for (const p of this.nodes.values()) writeFileSync(join(logDir, `${p.name}.log`), p.lines.join('\n'));
    }
    await Promise.all(
      [...this.nodes.values()].map(async (p) => {
        if (p.exit) return;
        if (p.child.signalCode === null) {
          try {
            process.kill(p.child.pid!, 'SIGCONT'); // a stopped process must run to die cleanly
          } catch {
            // gone
          }
        }
        p.child.kill('SIGKILL');
        await Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))]);
      }),
    );
    await this.bus.close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
    await this.vhost.dispose().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    return logDir;
  }
}

/** The parts of a status that a failover must keep (wrap-up compared separately: it counts down). */
export function durable(s: RecipientStatus | 'not_logged_in' | undefined): unknown {
  if (s === undefined || s === 'not_logged_in') return s;
  const { node: _node, wrapup_time_seconds: _w, ...rest } = s;
  return rest;
}
