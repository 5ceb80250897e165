/**
 * A real listening gateway (port 0) over the in-process memory bus, with the fake worker
 * serving the directory and the shard queues. Requests go through global fetch.
 */
import { SignJWT } from 'jose';
import { createMemoryBus, type Logger, type MemoryBus } from '@qubicle/transport';
import { createGateway, type Gateway, type ListeningGateway } from '../../src/gateway.js';
import { loadGatewayConfig, type GatewayConfig } from '../../src/config.js';
import { createTokenService, type TokenService } from '../../src/auth/tokens.js';
import { createMetrics } from '../../src/metrics.js';
import { FakeWorker } from './fake-worker.js';
import { makeFixture, type Fixture } from './fixtures.js';

export const SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** Every log line, to check that secrets never reach one. */
export class RecordingLogger implements Logger {
  readonly lines: Array<{ level: string; obj: object; msg?: string | undefined }> = [];
  debug(obj: object, msg?: string) {
    this.lines.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string) {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string) {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string) {
    this.lines.push({ level: 'error', obj, msg });
  }
  text(): string {
    return this.lines.map((l) => JSON.stringify({ ...l, obj: safe(l.obj) })).join('\n');
  }
}

function safe(o: object): unknown {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v instanceof Error ? { message: v.message, stack: v.stack } : v]));
}

export interface Response {
  status: number;
  headers: Headers;
  text: string;
  /** parsed JSON body (undefined if not JSON) */
  body: any;
}

export interface RequestOptions {
  token?: string;
  /** serialised as JSON unless a string */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Harness {
  url: string;
  bus: MemoryBus;
  worker: FakeWorker;
  fixture: Fixture;
  gateway: Gateway;
  server: ListeningGateway;
  config: GatewayConfig;
  logger: RecordingLogger;
  tokens: TokenService;
  /** Tokens of the fixture's principals. */
  token: { admin: string; agent: string; agent2: string; clerk: string; api: string; otherAccount: string };
  /** /v2/accounts/<fixture account> */
  base: string;
  request(method: string, path: string, opts?: RequestOptions): Promise<Response>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** the cluster's shard count (default 4) */
  shardCount?: number;
  /** shard queues the fake worker serves (default shardCount) */
  servedQueues?: number;
  /** wait for the shard count before resolving (default true) */
  waitReady?: boolean;
  /** start the fake worker (default true) */
  worker?: boolean;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const fixture = makeFixture();
  const bus = createMemoryBus();
  const worker = new FakeWorker(fixture, opts.shardCount ?? 4);
  if (opts.worker !== false) await worker.start(bus, opts.servedQueues);
  const config = loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET, RPC_TIMEOUT_MS: '2000', NODE_NAME: 'api-gateway@test', ...opts.env });
  const logger = new RecordingLogger();
  const gateway = createGateway({ bus, config, logger, metrics: createMetrics({ defaultMetrics: false }) });
  const server = await gateway.listen(0, '127.0.0.1');
  if (opts.waitReady !== false && opts.worker !== false) await gateway.ready();

  const tokens = createTokenService({ secret: SECRET, ttlSeconds: 3600 });
  const acct = { account_id: fixture.account.id, account_name: fixture.account.name };
  const token = {
    admin: await tokens.issue({ ...acct, owner_id: fixture.admin.id, priv_level: 'admin' }),
    agent: await tokens.issue({ ...acct, owner_id: fixture.agent.id, priv_level: 'user' }),
    agent2: await tokens.issue({ ...acct, owner_id: fixture.agent2.id, priv_level: 'user' }),
    clerk: await tokens.issue({ ...acct, owner_id: fixture.clerk.id, priv_level: 'user' }),
    api: await tokens.issue({ ...acct, priv_level: 'admin' }),
    otherAccount: await tokens.issue({ account_id: fixture.other.id, account_name: fixture.other.name, priv_level: 'admin' }),
  };

  const request = async (method: string, path: string, ro: RequestOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...ro.headers };
    if (ro.token !== undefined) headers['X-Auth-Token'] = ro.token;
    let body: string | undefined;
    if (ro.body !== undefined) {
      body = typeof ro.body === 'string' ? ro.body : JSON.stringify(ro.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(server.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };

  return {
    url: server.url,
    bus,
    worker,
    fixture,
    gateway,
    server,
    config,
    logger,
    tokens,
    token,
    base: `/v2/accounts/${fixture.account.id}`,
    request,
    async close() {
      await server.close();
      await gateway.stop();
      await bus.close();
    },
  };
}

/** A token signed with the right secret but already expired. */
export async function expiredToken(fixture: Fixture): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ account_id: fixture.account.id, account_name: fixture.account.name, owner_id: fixture.admin.id, priv_level: 'admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .setJti('expired-token')
    .sign(new TextEncoder().encode(SECRET));
}
