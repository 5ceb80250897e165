/** The simulator's event source over a transport Bus: recipient events, validated. */
import { EVENTS_EXCHANGE, validateRecipientEvent, type RecipientEvent } from '@qubicle/contracts';
import type { Bus } from '@qubicle/transport';
import type { EventSubscription } from './simulation.js';

export function busEvents(bus: Pick<Bus, 'subscribe'>): (bindingKey: string, onEvent: (event: RecipientEvent) => void) => Promise<EventSubscription> {
  return (bindingKey, onEvent) =>
    bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [bindingKey] }, async (msg) => {
      const v = validateRecipientEvent(msg.body);
      if (v.ok) onEvent(v.value);
    });
}
