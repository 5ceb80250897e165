/**
 * `npm run start:worker`: one worker node against the real broker and store.
 * Config errors and a refused start (e.g. shard count mismatch) exit 1 with the reason;
 * SIGTERM/SIGINT stop gracefully (consumers, in-flight work, leases) and exit 0.
 */
import { createAmqpBus } from '@qubicle/transport';
import { pino } from 'pino';
import { ConfigError, loadWorkerConfig, type WorkerConfig } from './config.js';
import { bootstrapDemo } from './directory/index.js';
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
  const logger = pino({ level: config.logLevel, base: { service: 'recipient-worker' } });
  const store = createStore({ sqlitePath: config.sqlitePath, ...(config.mongodbUrl ? { mongodbUrl: config.mongodbUrl } : {}) });
  const bus = createAmqpBus({ url: config.amqpUrl, logger: logger.child({ node: config.nodeName }), name: config.nodeName });
  const worker = createWorker({ bus, store, config, logger });

  let stopping: Promise<void> | null = null;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    logger.info({ signal }, 'stopping');
    stopping = (async () => {
      try {
        await worker.stop();
        await bus.close();
        await store.close();
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
    await bootstrapDemo(store, { ...config.bootstrap, logger });
    await worker.start();
  } catch (err) {
    logger.fatal({ err }, `recipient-worker failed to start: ${(err as Error).message}`);
    await bus.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(1);
  }
}

void main();
