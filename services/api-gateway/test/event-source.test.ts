/**
 * Where the gateway reads the recipient events from (EVENT_FEED): the workers' batched feed by
 * default, the topic exchange with EVENT_FEED=off (while older workers that do not publish the
 * feed still run). Over the memory bus with the fake worker; the RabbitMQ path is in test/e2e.
 */
import assert from 'node:assert/strict';
import { EVENTS_EXCHANGE, FEED_EXCHANGE } from '@qubicle/contracts';
import { createMemoryBus, type SubscribeSpec } from '@qubicle/transport';
import { loadGatewayConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { createMetrics } from '../src/metrics.js';
import { RecordingLogger, SECRET } from './support/harness.js';

async function subscriptionsOf(env: Record<string, string>): Promise<string[]> {
  const bus = createMemoryBus();
  const specs: SubscribeSpec[] = [];
  const subscribe = bus.subscribe.bind(bus);
  bus.subscribe = (spec, handler) => {
    specs.push(spec);
    return subscribe(spec, handler);
  };
  const config = loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET, NODE_NAME: 'api-gateway@event-source-test', ...env });
  const gateway = createGateway({ bus, config, logger: new RecordingLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  // the read model subscribes at creation: the cluster control broadcasts, then the events
  const deadline = Date.now() + 2_000;
  while (specs.length < 3) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the subscriptions: ${JSON.stringify(specs)}`);
    await new Promise<void>((r) => setImmediate(r));
  }
  const exchanges = specs.map((s) => `${s.exchange} [${s.bindingKeys.join(',')}]`);
  await gateway.stop();
  await bus.close();
  return exchanges;
}

describe('gateway: event source (EVENT_FEED)', () => {
  it('reads the batched feed by default, and nothing from the topic exchange', async () => {
    const subs = await subscriptionsOf({});
    assert.ok(subs.includes(`${FEED_EXCHANGE} []`), JSON.stringify(subs));
    assert.ok(!subs.some((s) => s.startsWith(`${EVENTS_EXCHANGE} `)), JSON.stringify(subs));
  });

  it('EVENT_FEED=off: one binding of every event on the topic exchange, no feed', async () => {
    const subs = await subscriptionsOf({ EVENT_FEED: 'off' });
    assert.ok(subs.includes(`${EVENTS_EXCHANGE} [qubicle.recipient.#]`), JSON.stringify(subs));
    assert.ok(!subs.some((s) => s.startsWith(`${FEED_EXCHANGE} `)), JSON.stringify(subs));
  });
});
