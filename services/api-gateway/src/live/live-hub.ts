/**
 * The gateway's event websocket (KAZOO blackhole's protocol, see docs/live.md): accepts upgrades
 * on `/` and `/socket`, consumes the events exchange ONCE for the whole gateway (one server-named,
 * exclusive, auto-delete queue bound to `qubicle.recipient.#`, shared with the read model; and one
 * bound to `qubicle.queue.#` and `qubicle.session.#`, the queue side's events; started with the first subscription
 * and cancelled a while after the last one left) and fans every event out to the sockets of its
 * account. Each event is validated against its contract, serialised once, and kept in a bounded
 * per-recipient (per-queue) buffer for clients that resume.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Registry } from 'prom-client';
import { EVENTS_EXCHANGE, validateQueueEvent, validateRecipientEvent, validateSessionEvent, type LiveCloseName } from '@qubicle/contracts';
import type { Bus, Consumer, IncomingMessage as BusMessage, Logger } from '@qubicle/transport';
import { isRefusal, type TokenService } from '../auth/tokens.js';
import { EventRing } from './event-ring.js';
import { LiveSocket, type LiveSocketHost } from './live-socket.js';
import { createLiveMetrics, noLiveMetrics, type LiveMetrics } from './metrics.js';
import { DEFAULT_LIVE_OPTIONS, type LiveOptions } from './options.js';
import { PreparedEvent, type LiveBusEvent } from './prepared-event.js';
import { QueueSideEvent } from './queue-side-event.js';
import { createQueueSnapshotBatcher, type QueueSnapshotReader } from './queue-snapshot-batcher.js';
import type { QueueSnapshotSource } from './queue-snapshot-source.js';
import { createSnapshotBatcher, type SnapshotReader } from './snapshot-batcher.js';
import type { SnapshotSource } from './snapshot-source.js';

/** Paths that upgrade to the event websocket (blackhole serves it at the root). */
export const LIVE_PATHS = ['/', '/socket'] as const;
/** The gateway's recipient binding on the events exchange. */
export const LIVE_BUS_BINDING = 'qubicle.recipient.#';
/** Its bindings for the queue side's events (a second consumer: the recipient one is shared with the read model). */
export const LIVE_QUEUE_SIDE_BINDINGS = ['qubicle.queue.#', 'qubicle.session.#'] as const;

export interface LiveHubDeps {
  bus: Pick<Bus, 'subscribe' | 'isConnected'> & Partial<Pick<Bus, 'onStateChange'>>;
  tokens: TokenService;
  snapshots: SnapshotSource;
  /** the queues' snapshots (status + callers at their seq), for queue and session bindings */
  queueSnapshots: QueueSnapshotSource;
  logger: Logger;
  options?: Partial<LiveOptions>;
  /** ms since epoch (token expiry, rate limits) */
  clock?: () => number;
  /** the gateway's metrics registry */
  registry?: Registry;
}

export interface LiveStats {
  connections: number;
  subscriptions: number;
  eventsReceived: number;
  invalidEvents: number;
  bufferedEvents: number;
  bufferedRecipients: number;
  /** seq jumps seen on the bus (events the gateway never received) */
  gaps: number;
  consuming: boolean;
}

export interface LiveHub {
  /** Handles an HTTP upgrade request (answers 404 off the live paths, 503 when full or stopping). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Token expiry and authentication timeout, now (also run on a timer). */
  checkTimers(): void;
  /** The gateway-wide send backlog limit, now (also run on a timer). */
  checkBuffers(): void;
  stats(): LiveStats;
  /** Closes every websocket (1001 going away) and stops consuming. Idempotent. */
  stop(): Promise<void>;
}

export function createLiveHub(deps: LiveHubDeps): LiveHub {
  return new Hub(deps);
}

class Hub implements LiveHub, LiveSocketHost {
  readonly options: LiveOptions;
  readonly logger: Logger;
  readonly tokens: TokenService;
  readonly snapshots: SnapshotReader;
  readonly queueSnapshots: QueueSnapshotReader;
  readonly ring: EventRing<LiveBusEvent>;
  readonly metrics: LiveMetrics;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<LiveSocket>();
  private readonly byAccount = new Map<string, Set<LiveSocket>>();
  private consumer: Consumer | undefined;
  private starting: Promise<Consumer> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly offState: (() => void) | undefined;
  private busLost = false;
  private stopping: Promise<void> | undefined;
  private stopped = false;
  private received = 0;
  private invalid = 0;
  private corked: LiveSocket[] = [];

  constructor(private readonly deps: LiveHubDeps) {
    this.options = { ...DEFAULT_LIVE_OPTIONS, ...deps.options };
    this.logger = deps.logger;
    this.tokens = deps.tokens;
    this.snapshots = createSnapshotBatcher(deps.snapshots, () => this.clock(), this.options.snapshotBatchMs);
    this.queueSnapshots = createQueueSnapshotBatcher(deps.queueSnapshots, () => this.clock(), this.options.snapshotBatchMs);
    this.ring = new EventRing<LiveBusEvent>(this.options.resumeEventsPerRecipient, this.options.resumeMaxEvents);
    this.metrics = deps.registry
      ? createLiveMetrics(deps.registry, {
          connections: () => this.sockets.size,
          subscriptions: () => this.subscriptionCount(),
          bufferedEvents: () => this.ring.size,
        })
      : noLiveMetrics;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
    this.offState = deps.bus.onStateChange?.((up) => this.onBusState(up));
    const every = (ms: number, fn: () => void) => {
      if (ms <= 0) return;
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.tokenCheckMs, () => this.checkTimers());
    every(this.options.heartbeatMs, () => this.heartbeat());
    every(this.options.bufferCheckMs, () => this.checkBuffers());
  }

  clock(): number {
    return (this.deps.clock ?? Date.now)();
  }

  // ---- connections ---------------------------------------------------------------------------

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    if (!(LIVE_PATHS as readonly string[]).includes(path ?? '')) return refuse(socket, 404, 'Not Found');
    if (this.stopped) return refuse(socket, 503, 'Service Unavailable');
    if (this.sockets.size >= this.options.maxConnections) {
      this.logger.warn({ limit: this.options.maxConnections }, 'live: connection refused, too many websockets');
      return refuse(socket, 503, 'Service Unavailable');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    if (this.stopped) {
      ws.close(1001, 'server shutting down');
      return;
    }
    this.sockets.add(new LiveSocket(ws, this));
  }

  uncorkLater(socket: LiveSocket): void {
    if (this.corked.push(socket) > 1) return;
    setImmediate(() => {
      const list = this.corked;
      this.corked = [];
      for (const s of list) s.uncork();
    });
  }

  joined(socket: LiveSocket, accountId: string): void {
    let set = this.byAccount.get(accountId);
    if (!set) {
      set = new Set();
      this.byAccount.set(accountId, set);
    }
    set.add(socket);
  }

  left(socket: LiveSocket, reason: LiveCloseName | 'client'): void {
    this.sockets.delete(socket);
    const account = socket.accountId;
    if (account !== undefined) {
      const set = this.byAccount.get(account);
      set?.delete(socket);
      if (set?.size === 0) this.byAccount.delete(account);
    }
    this.metrics.closed(reason);
    if (reason !== 'client' && reason !== 'going_away') this.logger.info({ reason, account_id: account }, 'live: websocket closed by the gateway');
    this.subscriptionsChanged();
  }

  subscriptionsChanged(): void {
    if (this.stopped) return;
    const subscribed = this.subscriptionCount() > 0;
    if (subscribed) {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    } else if (this.consumer && !this.idleTimer) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.subscriptionCount() === 0) void this.stopConsuming();
      }, this.options.idleUnsubscribeMs);
      this.idleTimer.unref();
    }
  }

  private subscriptionCount(): number {
    let n = 0;
    for (const s of this.sockets) n += s.subs.size;
    return n;
  }

  checkTimers(): void {
    const now = this.clock();
    const recheck = new Map<string, LiveSocket[]>();
    for (const s of [...this.sockets]) {
      const exp = s.expiry;
      const token = s.authToken;
      if (exp !== undefined && now >= exp) s.close('token_expired');
      else if (s.principal === undefined && now - s.connectedAt >= this.options.authTimeoutMs) s.close('auth_timeout');
      else if (token !== undefined) {
        // a token ended since (notice, or refused on another request) closes its sockets; one whose
        // trust went stale is checked again, once for all the sockets that share it
        const standing = this.tokens.standing(token);
        if (standing === 'ended') s.close('token_revoked');
        else if (standing === 'unchecked') recheck.set(token, [...(recheck.get(token) ?? []), s]);
      }
    }
    for (const [token, sockets] of recheck) {
      this.tokens.verify(token).catch((err: unknown) => {
        if (!isRefusal(err)) return; // the directory could not be asked: try again on the next tick
        for (const s of sockets) if (!s.closed) s.close('token_revoked');
      });
    }
  }

  /**
   * The per-socket limit bounds one slow client; this bounds them all together (10,000 sockets x
   * the per-socket limit would be far more than a gateway has): past the total, the sockets with
   * the largest backlogs are cut first.
   */
  checkBuffers(): void {
    let total = 0;
    const backlogged: Array<[LiveSocket, number]> = [];
    for (const s of this.sockets) {
      const n = s.ws.bufferedAmount;
      if (n === 0) continue;
      total += n;
      backlogged.push([s, n]);
    }
    if (total <= this.options.maxTotalBufferedBytes) return;
    backlogged.sort((a, b) => b[1] - a[1]);
    this.logger.warn({ total_buffered: total, limit: this.options.maxTotalBufferedBytes }, 'live: gateway-wide send backlog over the limit; cutting the slowest consumers');
    for (const [s, n] of backlogged) {
      if (total <= this.options.maxTotalBufferedBytes) break;
      s.close('slow_consumer');
      total -= n;
    }
  }

  private heartbeat(): void {
    for (const s of [...this.sockets]) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      try {
        s.ws.ping();
      } catch {
        s.ws.terminate();
      }
    }
  }

  // ---- the bus -------------------------------------------------------------------------------

  async ensureConsuming(): Promise<void> {
    if (this.stopped) throw new Error('stopping');
    if (this.consumer) return;
    this.starting ??= this.deps.bus
      .subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [LIVE_BUS_BINDING], prefetch: 1000 }, (m) => this.onBusMessage(m))
      .then(async (recipients) => {
        // the queue side's events: their own consumer (exactly LIVE_BUS_BINDING is what the read
        // model's shared consumer takes; these pass through to the bus)
        let queueSide: Consumer;
        try {
          queueSide = await this.deps.bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [...LIVE_QUEUE_SIDE_BINDINGS], prefetch: 1000 }, (m) => this.onBusMessage(m));
        } catch (err) {
          await recipients.cancel().catch(() => undefined);
          throw err;
        }
        const c: Consumer = { cancel: async () => void (await Promise.all([recipients.cancel(), queueSide.cancel()])) };
        this.consumer = c;
        this.logger.info({ bindings: [LIVE_BUS_BINDING, ...LIVE_QUEUE_SIDE_BINDINGS] }, 'live: consuming recipient, queue and session events');
        return c;
      })
      .finally(() => {
        this.starting = undefined;
      });
    const started = this.starting;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        started,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('event subscription timed out')), this.options.rpcTimeoutMs);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (this.stopped) await this.stopConsuming();
  }

  private async stopConsuming(): Promise<void> {
    const c = this.consumer ?? (await this.starting?.catch(() => undefined));
    this.consumer = undefined;
    this.ring.clear();
    if (c) {
      await c.cancel().catch((err: unknown) => this.logger.warn({ err }, 'live: cancelling the event subscription failed'));
      this.logger.info({}, 'live: stopped consuming recipient events (no subscriber)');
    }
  }

  private async onBusMessage(msg: BusMessage): Promise<void> {
    const kind = msg.routingKey.startsWith('qubicle.queue.') ? 'queue' : msg.routingKey.startsWith('qubicle.session.') ? 'session' : undefined;
    if (kind) return this.onQueueSideEvent(kind, msg);
    const v = validateRecipientEvent(msg.body);
    if (!v.ok) {
      this.invalid++;
      this.logger.warn({ routingKey: msg.routingKey, details: v.details }, 'live: invalid recipient event ignored');
      return;
    }
    this.received++;
    this.metrics.eventReceived();
    const ev = new PreparedEvent(v.value);
    this.ring.add(ev);
    const sockets = this.byAccount.get(ev.accountId);
    if (sockets) for (const s of sockets) s.offer(ev);
    ev.release();
  }

  /**
   * A queue or session event: validated, then to the sockets of its account (their sync sends it
   * to bindings naming its kind, after their snapshot). Queue events are kept for `resume_queues`.
   */
  private onQueueSideEvent(kind: 'queue' | 'session', msg: BusMessage): void {
    const v = kind === 'queue' ? validateQueueEvent(msg.body) : validateSessionEvent(msg.body);
    if (!v.ok) {
      this.invalid++;
      this.logger.warn({ routingKey: msg.routingKey, details: v.details }, `live: invalid ${kind} event ignored`);
      return;
    }
    this.received++;
    this.metrics.eventReceived();
    const ev = new QueueSideEvent(kind, v.value);
    if (kind === 'queue') this.ring.add(ev);
    const sockets = this.byAccount.get(ev.accountId);
    if (sockets) for (const s of sockets) s.offer(ev);
    ev.release();
  }

  private onBusState(up: boolean): void {
    if (!up) {
      this.busLost = true;
      return;
    }
    if (!this.busLost) return;
    this.busLost = false;
    // Our server-named queue died with the connection: events may have been missed. The buffer
    // can no longer prove anything, and every subscriber gets a fresh snapshot.
    this.ring.clear();
    if (!this.consumer) return;
    this.logger.info({ sockets: this.sockets.size }, 'live: bus reconnected, resyncing every subscriber');
    for (const s of this.sockets) s.resync();
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  stats(): LiveStats {
    return {
      connections: this.sockets.size,
      subscriptions: this.subscriptionCount(),
      eventsReceived: this.received,
      invalidEvents: this.invalid,
      bufferedEvents: this.ring.size,
      bufferedRecipients: this.ring.recipients,
      gaps: this.ring.gaps,
      consuming: this.consumer !== undefined,
    };
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.stopping ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.offState?.();
      const closing = [...this.sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.ws.readyState === s.ws.CLOSED) return resolve();
            s.ws.once('close', () => resolve());
            s.close('going_away');
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closing), new Promise<void>((r) => (timer = setTimeout(r, 1_000)))]);
      if (timer) clearTimeout(timer);
      for (const s of [...this.sockets]) s.ws.terminate();
      this.sockets.clear();
      this.byAccount.clear();
      await this.stopConsuming();
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    })();
    return this.stopping;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}
