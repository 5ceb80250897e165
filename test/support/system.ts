/**
 * A whole system for end-to-end tests: a fresh RabbitMQ vhost, a SQLite file in a
 * temp folder, one worker and one gateway (each with its own AMQP connection, as two
 * processes would have) and a gateway listening on a real port.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createAmqpBus, type Bus } from '@qubicle/transport';
import { createGateway, loadGatewayConfig, type Gateway } from '@qubicle/api-gateway';
import { bootstrapDemo, createStore, createWorker, loadWorkerConfig, type Store } from '@qubicle/recipient-worker';
import { createTestVhost, type TestVhost } from '../../libs/transport/test/support/vhost.js';

export const PASSWORD = 'e2e-secret-pw';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface System {
  url: string;
  amqpUrl: string;
  accountId: string;
  adminId: string;
  adminToken: string;
  store: Store;
  /** The worker's and gateway's buses, and one more for a test acting as a queue service. */
  serviceBus: Bus;
  /** The gateway (its read model: `gateway.readModel`). */
  gateway: Gateway;
  vhost: TestVhost;
  worker: ReturnType<typeof createWorker>;
  shardCount: number;
  api(method: string, path: string, body?: unknown, token?: string | null, headers?: Record<string, string>): Promise<ApiResponse>;
  login(username: string, password?: string, accountName?: string): Promise<string>;
  createUser(fields: Record<string, unknown>): Promise<{ id: string; token: string }>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export async function startSystem(
  opts: {
    rpcTimeoutMs?: number;
    shardCount?: number;
    env?: Record<string, string>;
    /** The worker's AMQP URL from the vhost's (e.g. through a TCP proxy that a fault test cuts); default: the vhost's. */
    workerUrl?: (vhostUrl: string) => string;
  } = {},
): Promise<System> {
  const vhost = await createTestVhost();
  const dir = mkdtempSync(join(tmpdir(), 'qubicle-e2e-'));
  const shardCount = opts.shardCount ?? 8;
  const logger = pino({ level: process.env['E2E_LOG_LEVEL'] ?? 'silent' });
  const env = {
    AMQP_URL: vhost.url,
    SQLITE_PATH: join(dir, 'qubicle.db'),
    NODE_NAME: 'e2e-worker',
    SHARD_COUNT: String(shardCount),
    BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    AUTH_TOKEN_SECRET: 'e2e-token-secret-0123456789abcdef0123456789',
    RPC_TIMEOUT_MS: String(opts.rpcTimeoutMs ?? 3000),
    PORT: '0',
    HOST: '127.0.0.1',
    ...opts.env,
  };
  const workerConfig = loadWorkerConfig(env);
  const store = createStore({ sqlitePath: workerConfig.sqlitePath });
  await store.init();
  const demo = await bootstrapDemo(store, {
    accountName: workerConfig.bootstrap.accountName,
    adminUsername: workerConfig.bootstrap.adminUsername,
    adminPassword: PASSWORD,
    logger,
  });

  const workerUrl = opts.workerUrl?.(vhost.url) ?? vhost.url;
  let workerBus = createAmqpBus({ url: workerUrl, logger, name: 'e2e-worker' });
  // the running queues read the queue API's documents and rosters from the store (the default)
  let worker = createWorker({ bus: workerBus, store, config: workerConfig, logger });
  await worker.start();

  const gatewayBus = createAmqpBus({ url: vhost.url, logger, name: 'e2e-gateway' });
  const gateway = createGateway({ bus: gatewayBus, config: loadGatewayConfig(env), logger });
  const server = await gateway.listen(0, '127.0.0.1');
  await gateway.ready();
  const serviceBus = createAmqpBus({ url: vhost.url, logger, name: 'e2e-queue-service' });

  const url = server.url.replace('0.0.0.0', '127.0.0.1');
  const api = async (method: string, path: string, body?: unknown, token?: string | null, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const h: Record<string, string> = { ...headers };
    if (token) h['X-Auth-Token'] = token;
    if (body !== undefined) h['Content-Type'] ??= 'application/json';
    const res = await fetch(url + path, {
      method,
      headers: h,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: any = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  const login = async (username: string, password = PASSWORD, accountName = workerConfig.bootstrap.accountName) => {
    const res = await api('PUT', '/v2/user_auth', { data: { credentials: md5(`${username.toLowerCase()}:${password}`), account_name: accountName } });
    if (res.status !== 201 && res.status !== 200) throw new Error(`user_auth ${username}: ${res.status} ${res.text}`);
    return res.body.auth_token as string;
  };

  const adminToken = await login(workerConfig.bootstrap.adminUsername);
  const accountId = demo.account.id;

  let counter = 0;
  const createUser = async (fields: Record<string, unknown>) => {
    counter++;
    const username = (fields['username'] as string | undefined) ?? `user${counter}-${Date.now().toString(36)}`;
    const res = await api(
      'PUT',
      `/v2/accounts/${accountId}/users`,
      { data: { first_name: 'Test', last_name: `User${counter}`, username, password: PASSWORD, qubicle: { enabled: true }, ...fields } },
      adminToken,
    );
    if (res.status !== 201 && res.status !== 200) throw new Error(`create user: ${res.status} ${res.text}`);
    return { id: res.body.data.id as string, token: await login(username) };
  };

  return {
    url,
    amqpUrl: vhost.url,
    accountId,
    adminId: demo.admin.id,
    adminToken,
    store,
    serviceBus,
    gateway,
    vhost,
    get worker() {
      return worker;
    },
    shardCount,
    api,
    login,
    createUser,
    async stopWorker() {
      await worker.stop();
      await workerBus.close();
    },
    async startWorker() {
      workerBus = createAmqpBus({ url: workerUrl, logger, name: 'e2e-worker' });
      worker = createWorker({ bus: workerBus, store, config: workerConfig, logger });
      await worker.start();
    },
    async stop() {
      await server.close();
      await serviceBus.close().catch(() => {});
      await gatewayBus.close().catch(() => {});
      await worker.stop().catch(() => {});
      await workerBus.close().catch(() => {});
      await store.close();
      await vhost.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
