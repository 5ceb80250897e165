/**
 * The gateway on its own: `npm run start:gateway`. Needs AMQP_URL and AUTH_TOKEN_SECRET (shared by
 * every gateway of the cluster). SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the bus.
 */
import { installProcessGuards } from '@qubicle/runtime';
import { createGatewayBus } from './bus.js';
import { ConfigError, loadGatewayConfig } from './config.js';
import { createGateway } from './gateway.js';
import { createGatewayLogger } from './logger.js';
import { createMetrics } from './metrics.js';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  if (config.amqpUrl === undefined) throw new ConfigError('AMQP_URL', 'is required to run the gateway on its own');

  // JSON lines; secrets redacted by key as a second line of defence (see logger.ts)
  const logger = createGatewayLogger({ level: config.logLevel, node: config.nodeName });
  const metrics = createMetrics();
  // no error outside a handler ends the gateway: logged and counted (libs/runtime process-guards.ts)
  installProcessGuards({ logger, onFault: (kind) => metrics.uncaughtErrors.inc({ kind }) });

  const bus = createGatewayBus({ ...config, amqpUrl: config.amqpUrl }, logger);
  // No retry fixes wrong credentials or a vhost the user may not use: stop, saying which (never
  // the password), with the exit code of a configuration error.
  bus.onFatal((err) => {
    logger.fatal({ user: err.user, vhost: err.vhost, replyCode: err.replyCode }, `api-gateway: cannot use the message bus: ${err.message}`);
    process.exit(2);
  });
  const gateway = createGateway({ bus, config, logger, metrics });
  const server = await gateway.listen();
  void gateway.ready().then(() => logger.info({ url: server.url }, 'gateway ready'));

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      try {
        await gateway.stop();
        await bus.close();
        logger.info('bye');
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`api-gateway: configuration error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`api-gateway: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
