/**
 * Keeps a RecipientReadModel current from the bus: the recipient events (one server-named,
 * exclusive, auto-delete queue bound to `qubicle.recipient.#`), the cluster's control broadcasts
 * (`cluster.*`: a shard that changed owner is dropped from the model) and the connection state (a
 * lost connection is a lost subscription: the model is cleared and serves nothing until the
 * subscriptions are back; the transport re-establishes them before it reports itself connected).
 */
import {
  CLUSTER_CONTROL_BINDING,
  CONTROL_EXCHANGE,
  EVENTS_EXCHANGE,
  validateClusterControl,
  validateRecipientEvent,
} from '@qubicle/contracts';
import type { Bus, Consumer, Logger } from '@qubicle/transport';
import type { RecipientReadModel } from './read-model.js';

export const READ_MODEL_EVENT_BINDING = 'qubicle.recipient.#';

export interface ReadModelFeedDeps {
  bus: Pick<Bus, 'subscribe' | 'isConnected'> & Partial<Pick<Bus, 'onStateChange'>>;
  model: RecipientReadModel;
  logger: Logger;
  /** events handled ahead (default 1000) */
  prefetch?: number;
}

export interface ReadModelFeed {
  stop(): Promise<void>;
}

export async function startReadModelFeed(deps: ReadModelFeedDeps): Promise<ReadModelFeed> {
  const { bus, model, logger } = deps;
  const consumers: Consumer[] = [];
  let stopped = false;
  let invalid = 0;
  const offState = bus.onStateChange?.((connected) => {
    if (stopped) return;
    // down: events published meanwhile are lost to us; up: the subscriptions were re-established
    model.setActive(connected);
    if (!connected) logger.warn({}, 'read model: bus connection lost, cleared until it is back');
  });
  try {
    consumers.push(
      await bus.subscribe({ exchange: CONTROL_EXCHANGE, bindingKeys: [CLUSTER_CONTROL_BINDING], prefetch: 100 }, async (msg) => {
        const v = validateClusterControl(msg.body);
        if (!v.ok) return;
        if ((v.value.type === 'shards_taken' || v.value.type === 'shards_released') && v.value.shards?.length) {
          model.invalidateShards(v.value.shards);
        }
      }),
    );
    consumers.push(
      await bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [READ_MODEL_EVENT_BINDING], prefetch: deps.prefetch ?? 1000 }, async (msg) => {
        const v = validateRecipientEvent(msg.body);
        if (!v.ok) {
          if (invalid++ % 1000 === 0) logger.warn({ details: v.details, routingKey: msg.routingKey }, 'read model: invalid recipient event ignored');
          return;
        }
        model.applyEvent(v.value);
      }),
    );
  } catch (err) {
    offState?.();
    await Promise.all(consumers.map((c) => c.cancel().catch(() => undefined)));
    throw err;
  }
  if (bus.isConnected()) model.setActive(true);
  return {
    async stop() {
      stopped = true;
      offState?.();
      model.setActive(false);
      await Promise.all(consumers.map((c) => c.cancel().catch(() => undefined)));
    },
  };
}
