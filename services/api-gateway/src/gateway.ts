/**
 * A gateway = the app + its RPC client (learning the shard count in the background) + an HTTP
 * server. `stop()` stops accepting, lets in-flight requests finish (bounded), closes the server;
 * closing the bus stays with whoever created it (main.ts, the embedded starter, a test).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { EVENTS_EXCHANGE, FEED_EXCHANGE } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import { buildApp, type GatewayApp } from './app.js';
import type { GatewayConfig } from './config.js';
import { createLiveHub, createQueueSnapshotSource, createSnapshotSource, type LiveHub } from './live/index.js';
import { startRevocationFeed, type RevocationFeed } from './auth/revocation-feed.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { createRpcClient, type GatewayRpc } from './rpc/rpc-client.js';
import { RecipientReadModel, READ_MODEL_EVENT_BINDING, SharedEvents, startReadModelFeed, type ReadModelFeed } from './read-model/index.js';

export interface GatewayDeps {
  /** With `subscribe`, the gateway also serves the event websocket (docs/live.md). */
  bus: Pick<Bus, 'call' | 'isConnected'> & Partial<Pick<Bus, 'onStateChange' | 'subscribe' | 'declareExchange'>>;
  config: GatewayConfig;
  logger: Logger;
  clock?: () => number;
  metrics?: GatewayMetrics;
  /** More readiness checks for /readyz (embedded mode: the worker's); answers the reasons it is not ready. */
  readiness?: () => Promise<string[]>;
  /** How long stop() waits for in-flight requests before cutting connections (default 10 s). */
  drainTimeoutMs?: number;
}

export interface ListeningGateway {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface Gateway {
  app: GatewayApp;
  rpc: GatewayRpc;
  /** The event websocket on `/` and `/socket` (absent when the bus cannot subscribe). */
  live: LiveHub | undefined;
  /** The status read model (absent when READ_MODEL=off or the bus cannot subscribe). */
  readModel: RecipientReadModel | undefined;
  /** Starts the HTTP server (default PORT/HOST of the config). */
  listen(port?: number, host?: string): Promise<ListeningGateway>;
  /** Resolves when the bus is connected and the shard count is known (what /readyz waits for). */
  ready(): Promise<void>;
  /** Stops accepting, finishes in-flight requests, stops shard-count discovery. Idempotent. */
  stop(): Promise<void>;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { config, logger: log } = deps;
  const metrics = deps.metrics ?? createMetrics();
  // GET status and bulk status served from the recipient events (docs/performance.md)
  let shardCountOf: () => number | undefined = () => undefined;
  const readModel =
    config.readModel.enabled && deps.bus.subscribe
      ? new RecipientReadModel({ shardCount: () => shardCountOf(), maxAgeMs: config.readModel.maxAgeMs, maxEntries: config.readModel.maxEntries, ...(deps.clock ? { clock: deps.clock } : {}) })
      : undefined;
  const rpc = createRpcClient({ bus: deps.bus, logger: log, timeoutMs: config.rpcTimeoutMs, shardCount: config.shardCount, metrics, readModel });
  shardCountOf = () => rpc.shards.value;
  // ONE consumer of the recipient events for the whole gateway: the read model and the live hub share it
  const shared = deps.bus.subscribe
    ? new SharedEvents(
        { subscribe: deps.bus.subscribe.bind(deps.bus), ...(deps.bus.declareExchange ? { declareExchange: deps.bus.declareExchange.bind(deps.bus) } : {}) },
        // the workers' batched feed of the same events (one message per worker turn, docs/bus.md),
        // unless EVENT_FEED=off; a bus that cannot declare the fanout exchange (test doubles) reads the topic exchange
        { exchange: EVENTS_EXCHANGE, bindingKey: READ_MODEL_EVENT_BINDING, ...(config.eventFeed && deps.bus.declareExchange ? { feed: FEED_EXCHANGE } : {}), logger: log },
      )
    : undefined;
  let feed: Promise<ReadModelFeed | undefined> | undefined;
  if (readModel && shared) {
    const bus = { subscribe: shared.subscribe.bind(shared), isConnected: () => deps.bus.isConnected(), ...(deps.bus.onStateChange ? { onStateChange: deps.bus.onStateChange.bind(deps.bus) } : {}) };
    feed = startReadModelFeed({ bus, model: readModel, logger: log }).catch((err: unknown) => {
      // without its subscriptions the model serves nothing: every read goes to the workers, as before
      log.error({ err }, 'read model: could not subscribe to the recipient events; reads go to the workers');
      return undefined;
    });
  }
  const stopFeed = stopWhenUp(feed);
  // Until the first time it is ready, API requests get 503 + Retry-After at once (middleware/startup-gate.ts).
  let started = false;
  const { app, tokens } = buildApp({
    startupGate: {
      open: () => started,
      missing: () => (deps.bus.isConnected() ? 'no worker has answered yet (shard count unknown)' : 'message bus not connected yet'),
    },
    bus: deps.bus,
    config,
    logger: log,
    rpc,
    metrics,
    ...(readModel ? { readModel } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
  });

  // every gateway hears the directory's auth notices: a deleted/disabled/demoted user's tokens and
  // deleted tokens are refused here within moments (auth/token-trust.ts)
  let revocations: Promise<RevocationFeed | undefined> | undefined;
  if (deps.bus.subscribe) {
    const bus = {
      subscribe: deps.bus.subscribe.bind(deps.bus),
      isConnected: () => deps.bus.isConnected(),
      ...(deps.bus.onStateChange ? { onStateChange: deps.bus.onStateChange.bind(deps.bus) } : {}),
      ...(deps.bus.declareExchange ? { declareExchange: deps.bus.declareExchange.bind(deps.bus) } : {}),
    };
    revocations = startRevocationFeed({
      bus,
      trust: tokens.trust,
      logger: log,
      onNotice: (type) => metrics.authNotices.inc({ type }),
      ...(deps.clock ? { clock: deps.clock } : {}),
    }).catch((err: unknown) => {
      // safe, not fast: with no feed up, every request asks the directory about its token
      log.error({ err }, 'auth notices: could not subscribe; every token is checked with the directory on each use');
      return undefined;
    });
  }
  const stopRevocations = stopWhenUp(revocations);

  const live = shared
    ? createLiveHub({
        bus: { subscribe: shared.subscribe.bind(shared), isConnected: () => deps.bus.isConnected(), ...(deps.bus.onStateChange ? { onStateChange: deps.bus.onStateChange.bind(deps.bus) } : {}) },
        tokens,
        snapshots: createSnapshotSource({ rpc }),
        queueSnapshots: createQueueSnapshotSource({ rpc }),
        logger: log,
        options: { ...config.live, rpcTimeoutMs: config.rpcTimeoutMs },
        registry: metrics.registry,
        ...(deps.clock ? { clock: deps.clock } : {}),
      })
    : undefined;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (live) live.handleUpgrade(req, socket, head);
    else socket.destroy();
  };

  // in-flight requests, for a graceful stop; while stopping, responses ask clients to reconnect elsewhere
  let inFlight = 0;
  let stopping = false;
  const idle: Array<() => void> = [];
  const handle = app.callback();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) for (const w of idle.splice(0)) w();
    });
    if (stopping) res.setHeader('Connection', 'close');
    void handle(req, res);
  };

  rpc.shards.start();
  void (async () => {
    await whenConnected(deps.bus);
    // ask at once rather than at the discovery's next backoff (up to 5 s after a long wait for the broker)
    if (rpc.shards.value === undefined) void rpc.shards.refresh().catch(() => undefined);
    await rpc.shards.whenKnown();
    started = true;
  })();

  const servers = new Set<Server>();
  let stopped: Promise<void> | undefined;

  async function closeServer(server: Server): Promise<void> {
    if (!servers.delete(server)) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deps.drainTimeoutMs ?? 10_000);
      timer.unref();
    });
    await Promise.race([drained, timeout]);
    if (timer) clearTimeout(timer);
    server.closeIdleConnections();
    server.closeAllConnections();
    // websockets are no longer the HTTP server's connections: close them with the last server
    if (servers.size === 0) await live?.stop();
    await closed;
  }

  return {
    app,
    rpc,
    live,
    readModel,
    async listen(port = config.port, host = config.host) {
      if (stopping) throw new Error('gateway stopped');
      const server = createServer(onRequest);
      server.keepAliveTimeout = 5_000;
      server.on('upgrade', onUpgrade);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.add(server);
      const addr = server.address() as AddressInfo;
      const url = `http://${urlHost(addr.address)}:${addr.port}`;
      log.info({ url }, 'gateway listening');
      return { url, port: addr.port, close: () => closeServer(server) };
    },
    async ready() {
      await whenConnected(deps.bus);
      await rpc.shards.whenKnown();
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        rpc.shards.stop();
        await live?.stop();
        await stopFeed();
        await stopRevocations();
        await Promise.all([...servers].map((s) => closeServer(s)));
        log.info({}, 'gateway stopped');
      })();
      return stopped;
    },
  };
}

/**
 * A stop for subscriptions that come up some time after start. stop() must not wait for them:
 * before the bus ever connected they never are (a gateway stopped then would hang); if they come
 * up after stop() they are stopped at once.
 */
function stopWhenUp<T extends { stop(): Promise<unknown> }>(started: Promise<T | undefined> | undefined): () => Promise<void> {
  let up: T | undefined;
  let stopped = false;
  void started?.then((x) => {
    up = x;
    if (stopped) void x?.stop();
  });
  return async () => {
    stopped = true;
    await up?.stop();
  };
}

function urlHost(address: string): string {
  if (address === '0.0.0.0' || address === '') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}

/** Resolves once the bus reports itself connected (at once when it already is). */
function whenConnected(bus: GatewayDeps['bus']): Promise<void> {
  if (bus.isConnected() || !bus.onStateChange) return Promise.resolve();
  const subscribe = bus.onStateChange.bind(bus);
  return new Promise((resolve) => {
    const off = subscribe((connected) => {
      if (!connected) return;
      off();
      resolve();
    });
    if (bus.isConnected()) {
      off();
      resolve();
    }
  });
}
