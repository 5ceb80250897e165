/**
 * The real stack for the operations tests: a fresh RabbitMQ vhost, SQLite in a temp folder, one
 * worker (its metrics, health and ops server on a free port) and one gateway, each with its own
 * AMQP connection and its own pino logger writing JSON lines into an array (as two processes
 * would log to their stdout). Same shape as test/support/system.ts, plus what operators see.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAmqpBus, type Bus } from '@qubicle/transport';
import { createGateway, createGatewayLogger, createMetrics, loadGatewayConfig, type GatewayMetrics } from '@qubicle/api-gateway';
import {
  bootstrapDemo,
  createStore,
  createWorker,
  createWorkerHealth,
  createWorkerLogger,
  createWorkerMetrics,
  loadWorkerConfig,
  startOpsServer,
  type OpsServer,
  type Store,
  type WorkerMetrics,
} from '@qubicle/recipient-worker';
import { createTestVhost, type TestVhost } from '../../../libs/transport/test/support/vhost.js';
import { until } from '../../support/wait.js';

export const PASSWORD = 'ops-secret-pw-6f1d';
export const TOKEN_SECRET = 'ops-token-secret-0123456789abcdef0123456789';
export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** JSON lines written by one process's logger. */
export class LogCapture {
  readonly raw: string[] = [];
  write(s: string): void {
    this.raw.push(s);
  }
  get lines(): Array<Record<string, unknown>> {
    return this.raw.flatMap((chunk) => chunk.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  text(): string {
    return this.raw.join('');
  }
}

export interface Stack {
  vhost: TestVhost;
  store: Store;
  accountId: string;
  adminId: string;
  shardCount: number;
  gatewayUrl: string;
  opsUrl: string;
  gatewayLogs: LogCapture;
  workerLogs: LogCapture;
  gatewayMetrics: GatewayMetrics;
  workerMetrics: WorkerMetrics;
  workerBus: Bus;
  gatewayBus: Bus;
  /** a third connection, acting as a queue service */
  serviceBus: Bus;
  api(method: string, path: string, body?: unknown, opts?: { token?: string; requestId?: string }): Promise<HttpResponse>;
  get(url: string): Promise<HttpResponse>;
  login(username: string, password?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startStack(opts: { shardCount?: number; logLevel?: 'info' | 'debug' | 'trace' } = {}): Promise<Stack> {
  const vhost = await createTestVhost();
  const dir = mkdtempSync(join(tmpdir(), 'qubicle-ops-'));
  const shardCount = opts.shardCount ?? 4;
  const env = {
    AMQP_URL: vhost.url,
    SQLITE_PATH: join(dir, 'qubicle.db'),
    NODE_NAME: 'ops-worker',
    SHARD_COUNT: String(shardCount),
    BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    AUTH_TOKEN_SECRET: TOKEN_SECRET,
    RPC_TIMEOUT_MS: '3000',
    METRICS_PORT: '0',
    READY_GRACE_MS: '30000',
    LOG_LEVEL: 'info',
  };
  const workerConfig = loadWorkerConfig(env);
  const gatewayConfig = loadGatewayConfig({ ...env, NODE_NAME: 'ops-gateway' });

  const workerLogs = new LogCapture();
  const gatewayLogs = new LogCapture();
  const workerLogger = createWorkerLogger({ level: opts.logLevel ?? 'info' }, workerLogs);
  const gatewayLogger = createGatewayLogger({ level: opts.logLevel ?? 'info', node: gatewayConfig.nodeName }, gatewayLogs);

  const store = createStore({ sqlitePath: workerConfig.sqlitePath });
  await store.init();
  const demo = await bootstrapDemo(store, { ...workerConfig.bootstrap, logger: workerLogger });

  const workerBus = createAmqpBus({ url: vhost.url, logger: workerLogger.child({ node: workerConfig.nodeName }), name: 'ops-worker' });
  const workerMetrics = createWorkerMetrics();
  const worker = createWorker({ bus: workerBus, store, config: workerConfig, logger: workerLogger, metrics: workerMetrics });
  const health = createWorkerHealth({ bus: workerBus, store, ownedShards: () => worker.ownedShards().length, graceMs: workerConfig.readyGraceMs });
  const ops: OpsServer = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    node: workerConfig.nodeName,
    registry: workerMetrics.registry,
    readiness: () => health.readiness(),
    logger: workerLogger,
  });
  await worker.start();
  health.markStarted();

  const gatewayBus = createAmqpBus({ url: vhost.url, logger: gatewayLogger, name: 'ops-gateway' });
  const gatewayMetrics = createMetrics();
  const gateway = createGateway({ bus: gatewayBus, config: gatewayConfig, logger: gatewayLogger, metrics: gatewayMetrics });
  const server = await gateway.listen(0, '127.0.0.1');
  await gateway.ready();
  const serviceBus = createAmqpBus({ url: vhost.url, name: 'ops-queue-service' });
  await serviceBus.waitForConnection(10_000);

  const request = async (url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> => {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(url, { method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  const api: Stack['api'] = (method, path, body, o = {}) =>
    request(server.url + path, method, body, { ...(o.token ? { 'X-Auth-Token': o.token } : {}), ...(o.requestId ? { 'X-Request-ID': o.requestId } : {}) });

  return {
    vhost,
    store,
    accountId: demo.account.id,
    adminId: demo.admin.id,
    shardCount,
    gatewayUrl: server.url,
    opsUrl: ops.url,
    gatewayLogs,
    workerLogs,
    gatewayMetrics,
    workerMetrics,
    workerBus,
    gatewayBus,
    serviceBus,
    api,
    get: (url) => request(url),
    async login(username, password = PASSWORD) {
      const res = await api('PUT', '/v2/user_auth', { data: { credentials: md5(`${username.toLowerCase()}:${password}`), account_name: workerConfig.bootstrap.accountName } });
      if (res.status !== 201) throw new Error(`user_auth ${username}: ${res.status} ${res.text}`);
      return res.body.auth_token as string;
    },
    async stop() {
      await server.close().catch(() => {});
      await gateway.stop().catch(() => {});
      health.markStopping();
      await serviceBus.close().catch(() => {});
      await gatewayBus.close().catch(() => {});
      await worker.stop().catch(() => {});
      await workerBus.close().catch(() => {});
      await ops.close();
      await store.close();
      await vhost.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** test/support/wait.ts's `until` (each round is a real request), 20 s by default. */
export function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  return until(what, check, timeoutMs, 25);
}
