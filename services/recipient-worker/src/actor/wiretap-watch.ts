/**
 * A monitored recipient may live on another shard or node: every worker listens to
 * logout (`delete`) events and tells its own actors that were monitoring that recipient.
 */
import { EVENTS_EXCHANGE, validateRecipientEvent } from '@qubicle/contracts';
import type { Bus, Consumer, Logger } from '@qubicle/transport';
import type { ActorRegistry } from './registry.js';

export const LOGOUT_BINDING = 'qubicle.recipient.*.*.delete';

export function watchMonitorTargets(bus: Pick<Bus, 'subscribe'>, registry: ActorRegistry, logger: Logger): Promise<Consumer> {
  return bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [LOGOUT_BINDING] }, async (msg) => {
    const parsed = validateRecipientEvent(msg.body);
    if (!parsed.ok) {
      logger.warn({ routingKey: msg.routingKey, details: parsed.details }, 'invalid recipient event ignored');
      return;
    }
    if (parsed.value.event !== 'delete') return;
    await Promise.all(registry.targetLoggedOut(parsed.value.account_id, parsed.value.recipient_id));
  });
}
