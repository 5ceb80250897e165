/**
 * Not every refused connect is fatal: a vhost whose connection limit is reached answers 530 like a
 * refused vhost, but it lifts when connections close, so the bus keeps retrying
 * (src/amqp/reply-codes.ts, isFatalAtConnect). Real broker, a vhost of this test.
 */
import assert from 'node:assert/strict';
import { createAmqpBus, type AmqpBus, type Logger } from '../../src/index.js';
import { createTestVhost, rabbitmqctl, type TestVhost } from '../support/vhost.js';
import { Condition } from '../support/wait.js';

describe('amqp connection: a connection limit reached is retried, not fatal (real RabbitMQ)', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let bus: AmqpBus | undefined;

  before(async () => {
    vhost = await createTestVhost();
  });
  after(async () => {
    await bus?.close();
    await vhost?.dispose();
  });

  it('530 "connection limit" at connect: retried until the limit is lifted, then connected', async () => {
    await rabbitmqctl(['set_vhost_limits', '-p', vhost.name, '{"max-connections": 0}']);
    const refusals: string[] = [];
    const seen = new Condition();
    const logger: Logger = {
      debug() {},
      info() {},
      error() {},
      warn(o, msg) {
        if (msg === 'amqp connect failed; retrying') refusals.push(String((o as { err?: Error }).err?.message));
        seen.notify();
      },
    };
    bus = createAmqpBus({ url: vhost.url, name: 'limit-test', logger, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    await seen.wait(() => refusals.length >= 2, 20_000, 'two refused connects');
    assert.match(refusals[0]!, /530/);
    assert.match(refusals[0]!, /limit/i);
    assert.equal(bus.connection.fatal, undefined, 'not fatal');
    await rabbitmqctl(['clear_vhost_limits', '-p', vhost.name]);
    await bus.waitForConnection(20_000);
    assert.equal(bus.isConnected(), true);
  });
});
