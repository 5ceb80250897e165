import { EVENTS_EXCHANGE, recipientEventKey, type RecipientEvent } from '@qubicle/contracts';
import type { Bus } from '@qubicle/transport';

/** Recipient events go to the topic exchange under qubicle.recipient.{account}.{recipient}.{event}. */
export function publishEvent(bus: Pick<Bus, 'publish'>, event: RecipientEvent): Promise<void> {
  return bus.publish(EVENTS_EXCHANGE, recipientEventKey(event.account_id, event.recipient_id, event.event), event);
}
