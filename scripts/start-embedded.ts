/**
 * `npm start`: the whole service in one process — a gateway and a worker — on the
 * embedded defaults (in-process bus, SQLite at SQLITE_PATH), or on the real broker /
 * database when AMQP_URL / MONGODB_URL are set. Prints the URL, and — for the embedded demo with
 * its public password only — the demo credentials and a ready-to-paste curl with a fresh token.
 *
 * Operations: the gateway's PORT serves /metrics for both halves (the gateway's registry, with the
 * process metrics, merged with the worker's, which has none of its own here) and /readyz includes
 * the worker's readiness. METRICS_PORT is not used: one process, one scrape target.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { installProcessGuards } from '@qubicle/runtime';
import { createMemoryBus } from '@qubicle/transport';
import { createGateway, createMetrics, loadGatewayConfig } from '@qubicle/api-gateway';
import {
  DEMO_ADMIN_PASSWORD,
  bootstrapDemo,
  createStore,
  createWorker,
  createWorkerBus,
  createWorkerHealth,
  createWorkerLogger,
  createWorkerMetrics,
  handleFileSizeSignal,
  loadWorkerConfig,
} from '@qubicle/recipient-worker';
import { bannerLines, isEmbeddedDemo } from './lib/banner.js';
import { startDemoCalls, type DemoCalls } from './lib/demo-calls.js';

/** Tokens must survive a restart of the embedded service: keep the signing secret beside the database. */
function embeddedTokenSecret(sqlitePath: string): string {
  const file = `${dirname(sqlitePath)}/auth-token-secret`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

async function main(): Promise<void> {
  // `npm start -- --demo-calls`: simulated callers and agents on a demo queue (scripts/lib/demo-calls.ts)
  const { values: args } = parseArgs({ args: process.argv.slice(2).filter((a) => a !== '--'), options: { 'demo-calls': { type: 'boolean' } }, strict: true, allowPositionals: false });
  const workerConfig = loadWorkerConfig(process.env);
  const env = { ...process.env };
  env['AUTH_TOKEN_SECRET'] ??= embeddedTokenSecret(workerConfig.sqlitePath);
  const gatewayConfig = loadGatewayConfig(env);
  const logger = createWorkerLogger({ level: workerConfig.logLevel, service: 'qubicle-embedded' });
  handleFileSizeSignal(logger);
  const workerMetrics = createWorkerMetrics({ defaultMetrics: false });
  const gatewayMetrics = createMetrics({ include: [workerMetrics.registry] });
  // no error outside a handler ends the process (libs/runtime process-guards.ts); one process, one counter
  installProcessGuards({ logger, onFault: (kind) => gatewayMetrics.uncaughtErrors.inc({ kind }) });

  const bus = workerConfig.amqpUrl
    ? createWorkerBus({ ...workerConfig, amqpUrl: workerConfig.amqpUrl }, logger) // one bus for both halves, a worker's: it declares the topology
    : createMemoryBus();
  const store = createStore({ sqlitePath: workerConfig.sqlitePath, timeoutMs: workerConfig.storeTimeoutMs, logger, ...(workerConfig.mongodbUrl ? { mongodbUrl: workerConfig.mongodbUrl } : {}) });
  await store.init();
  const bootstrapped = await bootstrapDemo(store, {
    accountName: workerConfig.bootstrap.accountName,
    adminUsername: workerConfig.bootstrap.adminUsername,
    adminPassword: workerConfig.bootstrap.adminPassword,
    logger,
  });

  const worker = createWorker({ bus, store, config: workerConfig, logger: logger.child({ component: 'worker' }), metrics: workerMetrics });
  const health = createWorkerHealth({ bus, store, ownedShards: () => worker.ownedShards().length, suspendedShards: () => worker.shards.suspendedShards().length, graceMs: workerConfig.readyGraceMs });
  await worker.start();
  health.markStarted();
  const gateway = createGateway({
    bus,
    config: gatewayConfig,
    logger: logger.child({ component: 'gateway' }),
    metrics: gatewayMetrics,
    readiness: () => health.readiness(),
  });
  const server = await gateway.listen(gatewayConfig.port, gatewayConfig.host);
  await gateway.ready();
  const base = `http://127.0.0.1:${new URL(server.url).port}`;

  // a token (and a password) are printed for the embedded demo only (scripts/lib/banner.ts)
  const demoPassword = workerConfig.bootstrap.adminPassword === DEMO_ADMIN_PASSWORD ? DEMO_ADMIN_PASSWORD : undefined;
  const demo = isEmbeddedDemo({ broker: workerConfig.amqpUrl !== undefined, store: store.kind, demoPassword });
  let token: string | undefined;
  if (demo) {
    const credentials = createHash('md5').update(`${workerConfig.bootstrap.adminUsername.toLowerCase()}:${DEMO_ADMIN_PASSWORD}`).digest('hex');
    const auth = await fetch(`${base}/v2/user_auth`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: { credentials, account_name: workerConfig.bootstrap.accountName } }),
    });
    if (auth.status === 201) token = ((await auth.json()) as { auth_token?: string }).auth_token;
  }
  const out = bannerLines({
    base,
    broker: workerConfig.amqpUrl !== undefined,
    store: store.kind,
    accountName: workerConfig.bootstrap.accountName,
    accountId: bootstrapped.account.id,
    adminUsername: workerConfig.bootstrap.adminUsername,
    demoPassword,
    token,
    tokenTtlSeconds: gatewayConfig.authTokenTtlSeconds,
  });
  process.stdout.write(out.join('\n') + '\n');
  let demoCalls: DemoCalls | undefined;
  if (args['demo-calls'] === true) {
    demoCalls = await startDemoCalls({ bus, accountId: bootstrapped.account.id, adminId: bootstrapped.admin.id, logger: logger.child({ component: 'demo-calls' }) });
    process.stdout.write(`Demo calls: simulated callers join "Demo queue" and its agents answer; watch them on ${base}/wallboard/?account=${encodeURIComponent(workerConfig.bootstrap.accountName)}\n`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    health.markStopping();
    await demoCalls?.stop();
    await server.close();
    await worker.stop();
    await bus.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err: Error) => {
  process.stderr.write(`qubicle: ${err.message}\n`);
  process.exit(1);
});
