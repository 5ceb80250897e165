/**
 * Feeds the token trust from the bus: one server-named, exclusive, auto-delete queue bound to
 * AUTH_EXCHANGE (`auth.*`), and the connection state. A lost connection is a lost subscription:
 * notices published meanwhile never reach us, so every token is asked about again on its next use
 * (the transport re-establishes the subscription before it reports itself connected again).
 */
import { AUTH_EXCHANGE, AUTH_NOTICE_BINDING, validateAuthNotice } from '@qubicle/contracts';
import type { Bus, Consumer, Logger } from '@qubicle/transport';
import type { TokenTrust } from './token-trust.js';

export interface RevocationFeedDeps {
  bus: Pick<Bus, 'subscribe' | 'isConnected'> & Partial<Pick<Bus, 'onStateChange' | 'declareExchange'>>;
  trust: TokenTrust;
  logger: Logger;
  clock?: () => number;
  /** A notice applied (for the metrics). */
  onNotice?: (type: string) => void;
}

export interface RevocationFeed {
  stop(): Promise<void>;
}

export async function startRevocationFeed(deps: RevocationFeedDeps): Promise<RevocationFeed> {
  const { bus, trust, logger } = deps;
  const now = deps.clock ?? Date.now;
  let stopped = false;
  let subscribed = false;
  let invalid = 0;
  // from here on nothing is trusted without asking until the feed is up
  trust.expectFeed();
  const offState = bus.onStateChange?.((connected) => {
    if (stopped) return;
    trust.setFeedUp(subscribed && connected);
    if (!connected) logger.warn({}, 'auth notices: bus connection lost; tokens are checked with the directory again once it is back');
  });
  let consumer: Consumer;
  try {
    await bus.declareExchange?.(AUTH_EXCHANGE, 'topic');
    consumer = await bus.subscribe({ exchange: AUTH_EXCHANGE, bindingKeys: [AUTH_NOTICE_BINDING], prefetch: 100 }, async (msg) => {
      const v = validateAuthNotice(msg.body);
      if (!v.ok) {
        if (invalid++ % 1000 === 0) logger.warn({ fields: Object.keys(v.details), routingKey: msg.routingKey }, 'auth notices: invalid notice ignored');
        return;
      }
      trust.apply(v.value, now());
      deps.onNotice?.(v.value.type);
    });
  } catch (err) {
    offState?.();
    throw err;
  }
  subscribed = true;
  trust.setFeedUp(bus.isConnected());
  return {
    async stop() {
      stopped = true;
      offState?.();
      trust.setFeedUp(false);
      await consumer.cancel().catch(() => undefined);
    },
  };
}
