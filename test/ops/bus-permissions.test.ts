/**
 * Least privilege on the bus, on the real broker: deploy/rabbitmq/rabbitmq-users.sh creates the role
 * users (unique names, in a fresh vhost, deleted afterwards); a gateway, a worker, a queue service
 * and a read-only event consumer each run as their own user, configured as docker-compose.yml and
 * deploy/k8s configure them (AMQP_SET_USER_ID, BUS_SENDERS), and serve as usual. Then every
 * forged operation is refused: by the broker (403 ACCESS_REFUSED for what a role's permissions do
 * not allow, 406 for a user_id that is not the sender's), or by the worker (forbidden for a
 * command the sender's role may not send).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ConfirmChannel } from 'amqplib';
import { pino } from 'pino';
import {
  accountEventBinding,
  accountQueueEventBinding,
  accountSessionEventBinding,
  CONTROL_EXCHANGE,
  DIRECTORY_QUEUE,
  EVENTS_EXCHANGE,
  FEED_EXCHANGE,
  newKazooId,
  QubicleFailure,
  shardOf,
  shardQueue,
  validateQueueEvent,
  validateRecipientEvent,
  type QueueEvent,
  type RecipientEvent,
} from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { createAmqpBus, type AmqpBus, type Consumer } from '@qubicle/transport';
import { createGateway, createGatewayBus, loadGatewayConfig, type Gateway, type ListeningGateway } from '@qubicle/api-gateway';
import { bootstrapDemo, createStore, createWorker, createWorkerBus, loadWorkerConfig, type Store, type Worker } from '@qubicle/recipient-worker';
import { createTestVhost, type TestVhost } from '../../libs/transport/test/support/vhost.js';
import { ROOT } from '../deploy/support/deploy.js';
import { accountTopicRead, brokerRoles, ROLES, SCRIPT, type BrokerRole } from '../deploy/support/rabbitmq-roles.js';
import { until } from '../support/wait.js';
import { md5 } from './support/stack.js';

const PASSWORD = 'perm-secret-pw-2b7c';
const SHARDS = 4;

/** Runs the deploy script with `env` (rabbitmqctl as the tests use it: RABBITMQCTL or the local one). */
function runScript(env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', [join(ROOT, SCRIPT)], { env: { PATH: process.env['PATH'] ?? '', ...(process.env['RABBITMQCTL'] ? { RABBITMQCTL: process.env['RABBITMQCTL'] } : {}), ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${SCRIPT} failed: ${err.message}\n${stderr}`));
      else resolve(String(stdout));
    });
  });
}

/** The broker's answer to one operation on a fresh channel: the channel error (code, message), or null if it was allowed. */
async function brokerAnswer(url: string, action: (ch: ConfirmChannel) => unknown): Promise<{ code: number; message: string } | null> {
  const conn = await amqp.connect(url, { noDelay: true });
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createConfirmChannel();
    const closed = new Promise<Error>((resolve) => ch.once('error', resolve));
    const done = (async () => {
      await action(ch);
      await ch.waitForConfirms();
      return null;
    })().catch((err: Error) => err);
    const outcome = await Promise.race([closed, done]);
    // a refused publish also fails its confirm ("channel closed", no code): the channel error that
    // closed it, emitted with it, has the code
    const err = outcome && (outcome as { code?: unknown }).code === undefined ? await within(closed, 2000, 'the channel error').catch(() => outcome) : outcome;
    return err ? { code: Number((err as { code?: unknown }).code), message: err.message } : null;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('bus permissions: each role as its own RabbitMQ user, allowed only what it does (real broker)', function () {
  this.timeout(60_000);
  const roles = brokerRoles();
  const logger = pino({ level: process.env['E2E_LOG_LEVEL'] ?? 'silent' });
  let vhost: TestVhost;
  let dir: string;
  let store: Store;
  let accountId: string;
  const users = {} as Record<BrokerRole, { name: string; url: string }>;
  let workerBus: AmqpBus;
  let worker: Worker;
  let gatewayBus: AmqpBus;
  let gateway: Gateway;
  let server: ListeningGateway;
  let serviceBus: AmqpBus;
  let eventsBus: AmqpBus;
  let consumer: Consumer;
  let queueSideConsumer: Consumer;
  const seen: RecipientEvent[] = [];
  const queueEvents: QueueEvent[] = [];

  const api = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { ...(token ? { 'X-Auth-Token': token } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };
  const userAuth = async (username: string) => {
    const res = await api('PUT', '/v2/user_auth', { data: { credentials: md5(`${username}:${PASSWORD}`), account_name: 'demo' } });
    assert.equal(res.status, 201, res.text);
    return { token: res.body.auth_token as string, id: res.body.data.owner_id as string };
  };

  before(async () => {
    vhost = await createTestVhost();
    dir = mkdtempSync(join(tmpdir(), 'qubicle-perm-'));
    store = createStore({ sqlitePath: join(dir, 'qubicle.db') });
    await store.init();
    const demo = await bootstrapDemo(store, { accountName: 'demo', adminUsername: 'admin', adminPassword: PASSWORD, logger });
    accountId = demo.account.id;

    // the deploy script, as an operator runs it: one user per role, the worker's password from a file
    const env: Record<string, string> = { QUBICLE_VHOST: vhost.name, QUBICLE_EVENTS_ACCOUNT: accountId };
    for (const role of ROLES) {
      const name = `${vhost.name}-${role.toLowerCase()}`;
      const password = `${role.toLowerCase()}-${newKazooId()}`;
      vhost.adoptUser(name); // deleted with the vhost
      env[`QUBICLE_${role}_USER`] = name;
      if (role === 'WORKER') {
        const file = join(dir, 'worker-password');
        writeFileSync(file, `${password}\n`, { mode: 0o600 });
        env['QUBICLE_WORKER_PASSWORD_FILE'] = file;
      } else env[`QUBICLE_${role}_PASSWORD`] = password;
      const url = new URL(vhost.url);
      url.username = encodeURIComponent(name);
      url.password = encodeURIComponent(password);
      users[role] = { name, url: url.href };
    }
    await runScript(env);

    const processEnv = {
      SQLITE_PATH: join(dir, 'qubicle.db'),
      SHARD_COUNT: String(SHARDS),
      AUTH_TOKEN_SECRET: 'perm-token-secret-0123456789abcdef0123456789',
      RPC_TIMEOUT_MS: '3000',
      AMQP_SET_USER_ID: 'on',
    };
    // the gateway first: it declares nothing, so it waits for the worker's exchanges
    const gatewayConfig = loadGatewayConfig({ ...processEnv, AMQP_URL: users.GATEWAY.url, NODE_NAME: 'perm-gateway' });
    gatewayBus = createGatewayBus({ ...gatewayConfig, amqpUrl: users.GATEWAY.url }, logger);
    gateway = createGateway({ bus: gatewayBus, config: gatewayConfig, logger });
    server = await gateway.listen(0, '127.0.0.1');

    const workerConfig = loadWorkerConfig({
      ...processEnv,
      AMQP_URL: users.WORKER.url,
      NODE_NAME: 'perm-worker',
      BUS_SENDERS: `worker:${users.WORKER.name},gateway:${users.GATEWAY.name},service:${users.SERVICE.name}`,
    });
    workerBus = createWorkerBus({ ...workerConfig, amqpUrl: users.WORKER.url }, logger);
    worker = createWorker({ bus: workerBus, store, config: workerConfig, logger });
    await worker.start();
    await within(gateway.ready(), 15_000, 'the gateway ready once a worker answers');

    // outside services, as docs/operations.md tells them to connect: declaring nothing, saying who they are
    serviceBus = createAmqpBus({ url: users.SERVICE.url, name: 'perm-queue-service', declareExchanges: false, userId: users.SERVICE.name });
    eventsBus = createAmqpBus({ url: users.EVENTS.url, name: 'perm-event-consumer', declareExchanges: false });
    await serviceBus.waitForConnection(10_000);
    await eventsBus.waitForConnection(10_000);
    consumer = await eventsBus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [accountEventBinding(accountId)] }, async (m) => {
      const v = validateRecipientEvent(m.body);
      if (v.ok) seen.push(v.value);
    });
    // the same read-only user, on its account's queue and session events (its topic permission allows them)
    queueSideConsumer = await eventsBus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [accountQueueEventBinding(accountId), accountSessionEventBinding(accountId)] }, async (m) => {
      const v = validateQueueEvent(m.body);
      if (v.ok) queueEvents.push(v.value);
    });
  });

  after(async () => {
    await consumer?.cancel().catch(() => undefined);
    await queueSideConsumer?.cancel().catch(() => undefined);
    await eventsBus?.close().catch(() => undefined);
    await serviceBus?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    await gatewayBus?.close().catch(() => undefined);
    await worker?.stop().catch(() => undefined);
    await workerBus?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await vhost?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const statusOf = async (recipientId: string) => {
    const reply = (await serviceBus.call(
      shardQueue(shardOf(accountId, recipientId, SHARDS)),
      { type: 'get_status', command_id: `perm-${newKazooId()}`, account_id: accountId, recipient_id: recipientId, shard_count: SHARDS },
      { timeoutMs: 3000 },
    )) as { ok: boolean; data?: { availability_state?: string } };
    assert.equal(reply.ok, true, JSON.stringify(reply));
    return reply.data?.availability_state;
  };

  it('the deploy script gave each role exactly the permissions it defines', async () => {
    const { rabbitmqctl } = await import('../../libs/transport/test/support/vhost.js');
    const listed = (await rabbitmqctl(['list_permissions', '-p', vhost.name, '--quiet', '--no-table-headers'])).trim().split('\n').map((l) => l.split('\t'));
    for (const role of ROLES) {
      const row = listed.find((r) => r[0] === users[role].name);
      assert.deepEqual(row?.slice(1), [roles[role].configure, roles[role].write, roles[role].read], role);
    }
    const topics = (await rabbitmqctl(['list_topic_permissions', '-p', vhost.name, '--quiet', '--no-table-headers'])).trim().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(topics, [[users.EVENTS.name, EVENTS_EXCHANGE, '^$', accountTopicRead(accountId)]]);
    assert.equal(accountTopicRead(accountId), `^qubicle\\.(recipient|queue|session)\\.${accountId}\\.`);
  });

  it('normal operation: HTTP through the gateway, a call from the queue service, events to the consumer and the gateway', async () => {
    const admin = await userAuth('admin');
    const agent = await userAuth('agent1');
    const base = `/v2/accounts/${accountId}/qubicle_recipients/${agent.id}`;
    assert.equal((await api('POST', base, { data: { action: 'login' } }, agent.token)).status, 200);
    assert.equal((await api('POST', `${base}/status`, { data: { status: 'ready' } }, agent.token)).status, 200);
    assert.equal((await api('GET', `/v2/accounts/${accountId}/users`, undefined, admin.token)).status, 200, 'user_list for the gateway');

    const queueService = new RecipientBusClient({ caller: serviceBus, service: 'perm-queue', timeoutMs: 3000 }); // learns the shard count (cluster_info)
    const listed = (await queueService.directory({ type: 'recipient_list', account_id: accountId })) as Array<{ id: string }>;
    assert.ok(listed.some((r) => r.id === agent.id));
    const call = { queue_id: newKazooId(), session_id: `perm-call-${newKazooId()}`, caller_id_name: 'Caller', caller_id_number: '+15550100', queue_enter_time: Math.floor(Date.now() / 1000) };
    assert.deepEqual(await queueService.offer(accountId, agent.id, { call, offer_timeout_seconds: 30, wrapup_seconds: 60 }), { accepted: true });
    assert.equal((await queueService.answer(accountId, agent.id, call.session_id)).availability_state, 'On-A-Call');
    assert.equal((await queueService.hangup(accountId, agent.id, call.session_id)).availability_state, 'Wrapup-Time');

    // the read-only consumer gets every event of its account, in order, without a gap
    const mine = await until('the consumer to see the hangup', () => {
      const events = seen.filter((e) => e.recipient_id === agent.id);
      return events.some((e) => e.event === 'hangup') ? events : undefined;
    }, 10_000);
    const names = mine.map((e) => e.event);
    assert.ok(names.indexOf('create') < names.indexOf('ready') && names.indexOf('ready') < names.indexOf('offer') && names.indexOf('offer') < names.indexOf('hangup'), names.join(' '));
    assert.ok(names.indexOf('create') >= 0, names.join(' '));
    mine.forEach((e, i) => i === 0 || assert.equal(e.seq, mine[i - 1]!.seq + 1, 'no gap'));
    // the gateway read the same events from the workers' feed (its own queue, under its own user)
    await until('the gateway read model to take the events', () => (gateway.readModel?.stats().events ?? 0) >= 5, 10_000);
    const status = await api('GET', `${base}/status`, undefined, agent.token);
    assert.equal(status.body?.data?.availability_state, 'Wrapup-Time', status.text);

    // workers call each other as the worker role: deleting a logged-in user logs them out first
    const created = await api('PUT', `/v2/accounts/${accountId}/users`, { data: { first_name: 'Perm', last_name: 'Temp', username: 'perm.temp', password: PASSWORD, qubicle: { enabled: true } } }, admin.token);
    assert.equal(created.status, 201, created.text);
    const temp = await userAuth('perm.temp');
    assert.equal((await api('POST', `/v2/accounts/${accountId}/qubicle_recipients/${temp.id}`, { data: { action: 'login' } }, temp.token)).status, 200);
    assert.equal((await api('DELETE', `/v2/accounts/${accountId}/users/${temp.id}`, undefined, admin.token)).status, 200);
    // (the directory asked the recipient's shard for the logout, as the worker role, before deleting)
    await until('the deleted user\'s logout', () => seen.some((e) => e.recipient_id === temp.id && e.event === 'delete'), 10_000);
  });

  it('the read-only consumer gets its account\'s queue events (a queue created through the gateway)', async () => {
    const admin = await userAuth('admin');
    const created = await api('PUT', `/v2/accounts/${accountId}/qubicle_queues`, { data: { name: 'Perm Line', ring_timeout: 15, agent_wrapup_time: 0 } }, admin.token);
    assert.equal(created.status, 201, created.text);
    const queueId = created.body.data.id as string;
    const ev = await until('the queue\'s create event at the read-only consumer', () => queueEvents.find((e) => e.queue_id === queueId && e.event === 'create'), 10_000);
    assert.equal(ev.account_id, accountId);
    assert.equal(ev.seq, 1, 'the new queue\'s first event');
  });

  it('the broker refuses (403 ACCESS_REFUSED) what a role\'s permissions do not allow', async () => {
    const agentId = (await userAuth('agent2')).id;
    const queue = shardQueue(shardOf(accountId, agentId, SHARDS));
    const login = { type: 'login', command_id: `forged-${newKazooId()}`, account_id: accountId, recipient_id: agentId, shard_count: SHARDS };
    const ownQueue = async (ch: ConfirmChannel) => (await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false })).queue;
    const attempts: Array<[BrokerRole, string, (ch: ConfirmChannel) => unknown, RegExp]> = [
      ['EVENTS', 'publishes a login to a shard queue', (ch) => ch.publish('', queue, json(login)), /exchange 'amq\.default'/],
      ['EVENTS', 'asks the directory for user_list', (ch) => ch.sendToQueue(DIRECTORY_QUEUE, json({ type: 'user_list', account_id: accountId })), /exchange 'amq\.default'/],
      ['EVENTS', 'binds to every account\'s events', async (ch) => ch.bindQueue(await ownQueue(ch), EVENTS_EXCHANGE, 'qubicle.recipient.#'), /topic 'qubicle\.recipient\.#'/],
      ['EVENTS', 'binds to another account\'s events', async (ch) => ch.bindQueue(await ownQueue(ch), EVENTS_EXCHANGE, accountEventBinding(newKazooId())), /access to topic/],
      ['EVENTS', 'binds to another account\'s queue events', async (ch) => ch.bindQueue(await ownQueue(ch), EVENTS_EXCHANGE, accountQueueEventBinding(newKazooId())), /access to topic/],
      ['EVENTS', 'binds to another account\'s session events', async (ch) => ch.bindQueue(await ownQueue(ch), EVENTS_EXCHANGE, accountSessionEventBinding(newKazooId())), /access to topic/],
      ['EVENTS', 'binds to every account\'s queue events', async (ch) => ch.bindQueue(await ownQueue(ch), EVENTS_EXCHANGE, 'qubicle.queue.#'), /topic 'qubicle\.queue\.#'/],
      ['EVENTS', 'binds to its account under another kind', async (ch) => ch.bindQueue(await ownQueue(ch), EVENTS_EXCHANGE, `qubicle.*.${accountId}.*.*`), /access to topic/],
      ['EVENTS', 'binds to the gateways\' feed', async (ch) => ch.bindQueue(await ownQueue(ch), FEED_EXCHANGE, ''), /exchange 'qubicle\.events\.feed'/],
      ['EVENTS', 'consumes a shard queue', (ch) => ch.consume(queue, () => undefined), new RegExp(`queue '${queue.replace(/\./g, '\\.')}'`)],
      ['SERVICE', 'declares a shard queue', (ch) => ch.assertQueue(queue, { durable: true }), new RegExp(`queue '${queue.replace(/\./g, '\\.')}'`)],
      ['SERVICE', 'deletes a shard queue', (ch) => ch.deleteQueue(queue), new RegExp(`queue '${queue.replace(/\./g, '\\.')}'`)],
      ['SERVICE', 'consumes a shard queue (steals commands)', (ch) => ch.consume(queue, () => undefined), /queue 'qubicle\.recipient\.shard/],
      ['SERVICE', 'consumes the directory queue', (ch) => ch.consume(DIRECTORY_QUEUE, () => undefined), /queue 'qubicle\.directory'/],
      ['SERVICE', 'publishes a forged event', (ch) => ch.publish(EVENTS_EXCHANGE, `qubicle.recipient.${accountId}.${agentId}.ready`, json({ event: 'ready' })), /exchange 'qubicle\.events'/],
      ['SERVICE', 'deletes the events exchange', (ch) => ch.deleteExchange(EVENTS_EXCHANGE), /exchange 'qubicle\.events'/],
      ['GATEWAY', 'publishes a forged event', (ch) => ch.publish(EVENTS_EXCHANGE, `qubicle.recipient.${accountId}.${agentId}.ready`, json({ event: 'ready' })), /exchange 'qubicle\.events'/],
      ['GATEWAY', 'broadcasts a cluster control message', (ch) => ch.publish(CONTROL_EXCHANGE, 'cluster.node_leaving', json({ type: 'node_leaving' })), /exchange 'qubicle\.control'/],
      ['GATEWAY', 'deletes the feed exchange', (ch) => ch.deleteExchange(FEED_EXCHANGE), /exchange 'qubicle\.events\.feed'/],
      ['GATEWAY', 'consumes the directory queue', (ch) => ch.consume(DIRECTORY_QUEUE, () => undefined), /queue 'qubicle\.directory'/],
    ];
    for (const [role, what, action, names] of attempts) {
      const answer = await brokerAnswer(users[role].url, action);
      assert.ok(answer, `${role} ${what}: allowed!`);
      assert.equal(answer.code, 403, `${role} ${what}: ${answer.message}`);
      assert.match(answer.message, /ACCESS_REFUSED/, `${role} ${what}`);
      assert.match(answer.message, names, `${role} ${what}: ${answer.message}`);
      assert.ok(answer.message.includes(users[role].name), `${role} ${what}: refused for that user`);
    }
    // nothing of it reached the recipient, and the cluster still serves
    assert.equal(await statusOf(agentId), 'Not-Logged-In');
  });

  it('a forged sender is refused: a user_id that is not its own by the broker (406), a command its role may not send by the worker (forbidden)', async () => {
    const agentId = (await userAuth('agent3')).id;
    const queue = shardQueue(shardOf(accountId, agentId, SHARDS));
    const login = () => ({ type: 'login', command_id: `forged-${newKazooId()}`, account_id: accountId, recipient_id: agentId, shard_count: SHARDS });

    // the queue service pretends to be the gateway: the broker refuses the publish
    const impersonation = await brokerAnswer(users.SERVICE.url, (ch) => ch.publish('', queue, json(login()), { userId: users.GATEWAY.name }));
    assert.equal(impersonation?.code, 406, impersonation?.message);
    assert.match(impersonation?.message ?? '', new RegExp(`user_id property set to '${users.GATEWAY.name}' but authenticated user was '${users.SERVICE.name}'`));

    // as itself, or saying nothing: the worker refuses what the service role may not send
    const queueService = new RecipientBusClient({ caller: serviceBus, shardCount: SHARDS, service: 'perm-queue', timeoutMs: 3000 });
    const forbidden = async (p: Promise<unknown>) => {
      const err = await p.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof QubicleFailure, String(err));
      assert.equal(err.error.code, 'forbidden');
      return err.error.message;
    };
    assert.match(await forbidden(queueService.login(accountId, agentId)), /login refused: the service role may not send it/);
    assert.match(await forbidden(queueService.directory({ type: 'user_list', account_id: accountId })), /user_list refused/);
    assert.match(await forbidden(queueService.directory({ type: 'auth_user', account_name: 'demo', credentials: md5(`admin:${PASSWORD}`) })), /auth_user refused/);
    const anonymous = createAmqpBus({ url: users.SERVICE.url, name: 'perm-anonymous', declareExchanges: false });
    try {
      await anonymous.waitForConnection(10_000);
      const reply = (await anonymous.call(queue, login(), { timeoutMs: 3000 })) as { ok: boolean; error?: { code: string; message: string } };
      assert.equal(reply.error?.code, 'forbidden');
      assert.match(reply.error?.message ?? '', /no user_id/);
    } finally {
      await anonymous.close();
    }
    assert.equal(await statusOf(agentId), 'Not-Logged-In', 'no forged login was applied');
  });
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
