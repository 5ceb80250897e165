/**
 * Live view test support: a real listening gateway over the memory bus with the fake worker
 * (which answers get_snapshot from its status table), a tiny "actor" world that publishes
 * recipient events with per-recipient seqs the way the worker does (state first, then publish, on
 * the topic exchange and on the gateways' feed as a batch),
 * and a websocket client that queues what it receives and validates every message against the
 * contracts.
 */
import {
  EVENTS_EXCHANGE,
  FEED_EXCHANGE,
  NOT_LOGGED_IN_STATUS,
  recipientEventKey,
  type RecipientEvent,
  type RecipientEventName,
  type RecipientStatus,
} from '@qubicle/contracts';
import { createMemoryBus, type MemoryBus } from '@qubicle/transport';
import { createTokenService, type TokenService } from '../../src/auth/tokens.js';
import { loadGatewayConfig } from '../../src/config.js';
import { createGateway, type Gateway, type ListeningGateway } from '../../src/gateway.js';
import { createMetrics } from '../../src/metrics.js';
import { FakeWorker, loggedIn } from '../support/fake-worker.js';
import { makeFixture, newId, type Fixture } from '../support/fixtures.js';
import { RecordingLogger, SECRET } from '../support/harness.js';
import { TestClient } from './test-client.js';

export { TestClient, subscribed, seqsByRecipient, type ServerMessage } from './test-client.js';

export interface LiveWorld {
  bus: MemoryBus;
  worker: FakeWorker;
  fixture: Fixture;
  gateway: Gateway;
  server: ListeningGateway;
  logger: RecordingLogger;
  tokens: TokenService;
  /** ws://127.0.0.1:port */
  wsUrl: string;
  httpUrl: string;
  /** the gateway's clock: tests move it */
  clock: { now: number };
  token: { admin: string; agent: string; otherAccount: string };
  /** Recipients of the fixture account (more than the fixture's own users when asked for). */
  recipients: string[];
  /** The per-recipient seq of the last event published. */
  seqOf(id: string): number;
  /** Like an actor: the new status is stored first (snapshots see it), then the event is published. */
  emit(id: string, event: RecipientEventName, status?: RecipientStatus, accountId?: string): Promise<RecipientEvent>;
  login(id: string): Promise<RecipientEvent>;
  connect(path?: string): Promise<TestClient>;
  close(): Promise<void>;
}

export interface WorldOptions {
  env?: Record<string, string>;
  /** extra recipients in the fixture account besides the fixture's users */
  extraRecipients?: number;
}

export async function startLiveWorld(opts: WorldOptions = {}): Promise<LiveWorld> {
  const fixture = makeFixture();
  const bus = createMemoryBus();
  const worker = new FakeWorker(fixture, 4);
  for (let i = 0; i < (opts.extraRecipients ?? 0); i++) {
    const id = newId();
    worker.users.set(id, {
      doc: {
        id,
        account_id: fixture.account.id,
        first_name: `Agent${i}`,
        last_name: 'Load',
        username: `load${i}`,
        priv_level: 'user',
        enabled: true,
        qubicle: { enabled: true, permissions: { monitor: false } },
      },
      rev: 1,
    });
  }
  await worker.start(bus);
  const clock = { now: Date.now() };
  const config = loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET, RPC_TIMEOUT_MS: '2000', NODE_NAME: 'api-gateway@live-test', ...opts.env });
  const logger = new RecordingLogger();
  const gateway = createGateway({ bus, config, logger, metrics: createMetrics({ defaultMetrics: false }), clock: () => clock.now });
  const server = await gateway.listen(0, '127.0.0.1');
  await gateway.ready();
  const tokens = createTokenService({ secret: SECRET, ttlSeconds: 3600, clock: () => clock.now });
  const acct = { account_id: fixture.account.id, account_name: fixture.account.name };
  const token = {
    admin: await tokens.issue({ ...acct, owner_id: fixture.admin.id, priv_level: 'admin' }),
    agent: await tokens.issue({ ...acct, owner_id: fixture.agent.id, priv_level: 'user' }),
    otherAccount: await tokens.issue({ account_id: fixture.other.id, account_name: fixture.other.name, priv_level: 'admin' }),
  };
  const recipients = [...worker.users.values()].filter((u) => u.doc.qubicle.enabled).map((u) => u.doc.id);
  const seqs = new Map<string, number>();
  const clients: TestClient[] = [];
  const wsUrl = server.url.replace(/^http/, 'ws');

  const emit: LiveWorld['emit'] = async (id, event, status, accountId = fixture.account.id) => {
    const key = `${accountId}/${id}`;
    const seq = event === 'create' ? Date.now() * 1000 + Math.floor(Math.random() * 1000) : (seqs.get(key) ?? 1_000_000) + 1;
    seqs.set(key, seq);
    const current = accountId === fixture.account.id ? worker.statuses.get(id) : undefined;
    const next: RecipientStatus = event === 'delete' ? { ...NOT_LOGGED_IN_STATUS } : (status ?? current ?? loggedIn('Away'));
    if (accountId === fixture.account.id) {
      if (next.availability_state === 'Not-Logged-In') {
        worker.statuses.delete(id);
        worker.seqs.delete(id);
      } else {
        worker.statuses.set(id, next);
        worker.seqs.set(id, seq);
      }
    }
    const ev: RecipientEvent = { event, account_id: accountId, recipient_id: id, seq, timestamp: Date.now(), node: 'recipient-worker@test', status: next };
    await bus.declareExchange(FEED_EXCHANGE, 'fanout');
    await Promise.all([
      bus.publish(EVENTS_EXCHANGE, recipientEventKey(accountId, id, event), ev),
      bus.publish(FEED_EXCHANGE, 'recipient-worker@test', { node: 'recipient-worker@test', events: [ev] }),
    ]);
    return ev;
  };

  return {
    bus,
    worker,
    fixture,
    gateway,
    server,
    logger,
    tokens,
    wsUrl,
    httpUrl: server.url,
    clock,
    token,
    recipients,
    seqOf: (id) => seqs.get(`${fixture.account.id}/${id}`) ?? 0,
    emit,
    login: (id) => emit(id, 'create', loggedIn('Away')),
    async connect(path = '/socket') {
      const c = await TestClient.open(wsUrl + path);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.terminate();
      await server.close();
      await gateway.stop();
      await bus.close();
    },
  };
}

