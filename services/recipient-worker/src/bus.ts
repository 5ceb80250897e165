/**
 * The standalone worker's bus (main.ts). Workers own the topology: they declare every exchange and
 * queue of the cluster (the gateways and outside services only check that they exist). With
 * AMQP_SET_USER_ID its messages carry its broker user as `user_id`, which the other workers check
 * against BUS_SENDERS (a worker calls its peers: monitor look-ups, logouts, presence pings).
 */
import { createAmqpBus, type AmqpBus, type Logger } from '@qubicle/transport';
import type { WorkerConfig } from './config.js';

export function createWorkerBus(config: WorkerConfig & { amqpUrl: string }, logger: Logger): AmqpBus {
  return createAmqpBus({
    url: config.amqpUrl,
    logger,
    name: config.nodeName,
    // from the lease TTL: a frozen node's shards are served again within 2 × TTL (config.ts)
    heartbeatSeconds: config.amqpHeartbeatSeconds,
    ...(config.amqpUserId !== undefined ? { userId: config.amqpUserId } : {}),
  });
}
