/**
 * A connection the broker refuses for good fails fast and clearly (src/amqp/connection.ts,
 * src/amqp/reply-codes.ts): a wrong password (403 ACCESS_REFUSED at login) and a user without
 * access to the vhost (530 NOT_ALLOWED at connection.open), on the real broker with a user and
 * vhosts made for the test. The bound on the wait only keeps a regression (retrying forever)
 * from hanging the suite: the assertions are on the error.
 */
import assert from 'node:assert/strict';
import { createAmqpBus, FatalConnectionError, isFatalConnectionError, type AmqpBus, type Logger } from '../../src/index.js';
import { createTestVhost, rabbitmqctl, type TestUser, type TestVhost } from '../support/vhost.js';
import { Condition, deferred, rejectionOf, within } from '../support/wait.js';

describe('amqp connection: a refused connect is fatal, not retried (real RabbitMQ)', function () {
  this.timeout(60_000);
  let home: TestVhost;
  let elsewhere: TestVhost;
  let user: TestUser;
  const buses: AmqpBus[] = [];

  before(async () => {
    home = await createTestVhost();
    elsewhere = await createTestVhost(); // the user gets no permission here
    user = await home.createUser({ configure: '.*', write: '.*', read: '.*' });
  });

  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((b) => b.close()));
  });

  after(async () => {
    await elsewhere?.dispose();
    await home?.dispose(); // deletes the user too
  });

  function open(url: string, logger?: Logger): AmqpBus {
    const bus = createAmqpBus({ url, name: 'refused-test', reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, ...(logger ? { logger } : {}) });
    buses.push(bus);
    return bus;
  }

  it('the right credentials connect (the user and vhosts of this test are usable)', async () => {
    const bus = open(user.url);
    await bus.waitForConnection(10_000);
    assert.equal(bus.isConnected(), true);
  });

  it('a wrong password: FatalConnectionError 403 naming the user and the vhost, never the password; every operation fails with it', async () => {
    const secret = 'not-the-password-0123456789';
    const url = new URL(user.url);
    url.password = secret;
    const bus = open(url.href);
    const heard = deferred<FatalConnectionError>();
    bus.onFatal((err) => heard.resolve(err));

    const err = await rejectionOf(bus.waitForConnection(20_000));
    assert.ok(isFatalConnectionError(err), `expected a FatalConnectionError, got ${err.stack ?? String(err)}`);
    assert.equal(err.replyCode, 403);
    assert.equal(err.user, user.name);
    assert.equal(err.vhost, home.name);
    assert.match(err.message, new RegExp(`user '${user.name}'`));
    assert.match(err.message, new RegExp(`vhost '${home.name}'`));
    assert.match(err.message, /ACCESS_REFUSED/);
    assert.ok(!err.message.includes(secret), 'the password is not in the message');
    assert.equal(await within(heard.promise, 5000, 'onFatal'), err);

    // nothing waits for a connection that will never come
    assert.equal(await rejectionOf(bus.serve({ name: 'q' }, async () => 'x', { prefetch: 1 })), err);
    assert.equal(await rejectionOf(bus.declareExchange('x', 'topic')), err);
    assert.equal(await rejectionOf(bus.call('q', {}, { timeoutMs: 1000 })), err);
    // a late listener still hears it
    const late = deferred<FatalConnectionError>();
    bus.onFatal((e) => late.resolve(e));
    assert.equal(await within(late.promise, 5000, 'late onFatal'), err);
  });

  it('a user without access to the vhost: FatalConnectionError naming the user and the vhost', async () => {
    const url = new URL(user.url);
    url.pathname = `/${encodeURIComponent(elsewhere.name)}`;
    const bus = open(url.href);
    const err = await rejectionOf(bus.waitForConnection(20_000));
    assert.ok(isFatalConnectionError(err), `expected a FatalConnectionError, got ${err.stack ?? String(err)}`);
    assert.equal(err.replyCode, 530);
    assert.equal(err.user, user.name);
    assert.equal(err.vhost, elsewhere.name);
    assert.match(err.message, new RegExp(`refused vhost '${elsewhere.name}' to user '${user.name}'`));
    assert.ok(!err.message.includes(user.password), 'the password is not in the message');
  });

  it('once it has been connected, the same refusal (permissions revoked under it) is logged as an error and retried, never fatal', async () => {
    const errors: string[] = [];
    const logged = new Condition();
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error(_o, msg) {
        errors.push(String(msg));
        logged.notify();
      },
    };
    const bus = open(user.url, logger);
    await bus.waitForConnection(10_000);
    try {
      await rabbitmqctl(['clear_permissions', '-p', home.name, user.name]);
      await home.closeAllConnections('test: permissions revoked');
      await logged.wait(() => errors.some((m) => m.includes(`refused vhost '${home.name}' to user '${user.name}'`) && m.endsWith('; retrying')), 20_000, 'the refusal logged');
      assert.equal(bus.connection.fatal, undefined, 'not fatal');
    } finally {
      await rabbitmqctl(['set_permissions', '-p', home.name, user.name, '.*', '.*', '.*']);
    }
    await bus.waitForConnection(20_000);
    assert.equal(bus.isConnected(), true);
  });
});
