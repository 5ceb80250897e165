/**
 * The standalone gateway's bus (main.ts). The gateway owns no exchange: the workers declare the
 * topology, and the gateway only checks (passively) that what it reads exists, waiting for a
 * worker when it starts first. So its broker user needs no `configure` permission except on its
 * own server-named queues (docs/operations.md#least-privilege-on-the-bus). With AMQP_SET_USER_ID
 * its messages carry its broker user as `user_id`, which the workers check against BUS_SENDERS.
 */
import { createAmqpBus, type AmqpBus, type Logger } from '@qubicle/transport';
import type { GatewayConfig } from './config.js';

export function createGatewayBus(config: GatewayConfig & { amqpUrl: string }, logger: Logger): AmqpBus {
  return createAmqpBus({
    url: config.amqpUrl,
    logger,
    name: config.nodeName,
    declareExchanges: false,
    ...(config.amqpUserId !== undefined ? { userId: config.amqpUserId } : {}),
  });
}
