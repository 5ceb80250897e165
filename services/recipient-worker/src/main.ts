/**
 * `npm run start:worker`: one worker node against the real broker and store.
 * Config errors, a refused start (e.g. shard count mismatch) and a broker that refuses the
 * connection for good (wrong credentials, no access to the vhost) exit 1 with the reason;
 * SIGTERM/SIGINT stop gracefully (consumers, in-flight work, leases) and exit 0.
 * On METRICS_PORT (0 = off): /metrics, /healthz, /readyz (ops-server.ts), up from the first moment
 * (/readyz 503 "starting" until the worker started, "stopping" once SIGTERM arrived).
 */
import { installProcessGuards } from '@qubicle/runtime';
import { createWorkerBus } from './bus.js';
import { createSystemClock } from './clock.js';
import { ConfigError, loadWorkerConfig, type WorkerConfig } from './config.js';
import { bootstrapDemo } from './directory/index.js';
import { handleFileSizeSignal } from './file-size-signal.js';
import { createWorkerHealth } from './health.js';
import { createWorkerLogger } from './logger.js';
import { createWorkerMetrics } from './metrics.js';
import { startOpsServer, type OpsServer } from './ops-server.js';
import { createStore } from './store/index.js';
import { createWorker } from './worker.js';

async function main(): Promise<void> {
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig();
    if (!config.amqpUrl) throw new ConfigError('AMQP_URL', 'is required by start:worker (the in-process bus only exists in the embedded `npm start`)');
  } catch (err) {
    process.stderr.write(`recipient-worker: invalid configuration: ${(err as Error).message}\n`);
    process.exit(1);
  }
  // The worker adds `node` to its own lines; the bus's get it here.
  const logger = createWorkerLogger({ level: config.logLevel });
  const metrics = createWorkerMetrics();
  // one clock for the whole process: the worker, its health and the bootstrap read time from it
  const clock = createSystemClock();
  // no error outside a handler ends the worker: logged and counted (libs/runtime process-guards.ts)
  installProcessGuards({ logger: logger.child({ node: config.nodeName }), onFault: (kind) => metrics.uncaughtError(kind) });
  handleFileSizeSignal(logger, clock);
  const store = createStore({ sqlitePath: config.sqlitePath, timeoutMs: config.storeTimeoutMs, logger: logger.child({ node: config.nodeName }), ...(config.mongodbUrl ? { mongodbUrl: config.mongodbUrl } : {}) });
  const bus = createWorkerBus({ ...config, amqpUrl: config.amqpUrl }, logger.child({ node: config.nodeName }));
  // No retry fixes wrong credentials or a vhost the user may not use: stop, saying which (never the password).
  bus.onFatal((err) => {
    logger.fatal({ user: err.user, vhost: err.vhost, replyCode: err.replyCode }, `recipient-worker: cannot use the message bus: ${err.message}`);
    process.exit(1);
  });
  const worker = createWorker({ bus, store, config, logger, metrics, clock });
  const health = createWorkerHealth({ bus, store, ownedShards: () => worker.ownedShards().length, suspendedShards: () => worker.shards.suspendedShards().length, graceMs: config.readyGraceMs, clock });
  let ops: OpsServer | null = null;
  if (config.metricsPort > 0) {
    try {
      ops = await startOpsServer({
        port: config.metricsPort,
        node: config.nodeName,
        registry: metrics.registry,
        readiness: () => health.readiness(),
        logger: logger.child({ node: config.nodeName }),
      });
    } catch (err) {
      // Asked for explicitly: fail fast. The default port taken (several workers started on one
      // host, as `npm run start:worker` allows): run without the endpoint, and say so.
      if (config.metricsPortExplicit || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        logger.fatal({ err }, `recipient-worker: METRICS_PORT ${config.metricsPort} cannot be opened: ${(err as Error).message}`);
        process.exit(1);
      }
      logger.warn({ port: config.metricsPort }, 'default METRICS_PORT already in use: /metrics, /healthz, /readyz are off (set METRICS_PORT)');
    }
  }

  let stopping: Promise<void> | null = null;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    logger.info({ signal }, 'stopping');
    health.markStopping();
    stopping = (async () => {
      try {
        await worker.stop();
        await bus.close();
        await store.close();
        await ops?.close();
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'unclean stop');
        process.exit(1);
      }
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  try {
    // First start of a cluster: create the demo account and admin (idempotent, race-safe).
    await store.init();
    await bootstrapDemo(store, { ...config.bootstrap, logger, clock });
    await worker.start();
    health.markStarted();
  } catch (err) {
    logger.fatal({ err }, `recipient-worker failed to start: ${(err as Error).message}`);
    await bus.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(1);
  }
}

void main();
