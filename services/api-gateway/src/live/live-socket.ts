/**
 * One event websocket, composed of its parts: the principal (from the first auth_token, verified
 * once; its expiry comes with it), the subscriptions and what they may see (subscriptions.ts), the
 * snapshot-then-delta sync (snapshot-sync.ts), the outbox (outbox.ts), the reading of client
 * messages (client-messages.ts) and their rate (rate-limit.ts). This file handles the messages one
 * at a time, in order, and closes the socket. Dependencies run one way: this file -> snapshot-sync
 * -> subscriptions -> replies, and client-messages -> replies; outbox and rate-limit are leaves.
 */
import type { RawData, WebSocket } from 'ws';
import {
  LIVE_CLOSE_CODES,
  LIVE_CLOSE_REASONS,
  QubicleFailure,
  isRetryable,
  isRetryableFailure,
  type LiveClientMessage,
  type LiveCloseName,
  type LiveReplySuccessData,
  type LiveSubscribeRequest,
  type LiveUnsubscribeRequest,
} from '@qubicle/contracts';
import type { Logger } from '@qubicle/transport';
import type { Principal } from '../auth/principal.js';
import type { TokenService } from '../auth/tokens.js';
import { readClientMessage } from './client-messages.js';
import type { EventRing } from './event-ring.js';
import type { LiveMetrics } from './metrics.js';
import type { LiveOptions } from './options.js';
import { Outbox } from './outbox.js';
import type { LiveBusEvent } from './prepared-event.js';
import type { QueueSnapshotReader } from './queue-snapshot-batcher.js';
import { RateLimit } from './rate-limit.js';
import { Refusal, errorReplyJson, successReplyJson } from './replies.js';
import type { SnapshotReader } from './snapshot-batcher.js';
import { SnapshotSync, type SnapshotRound } from './snapshot-sync.js';
import { Subscriptions } from './subscriptions.js';

export type { Subscription } from './subscriptions.js';

/** What a socket needs from the hub that owns it. */
export interface LiveSocketHost {
  readonly options: LiveOptions;
  readonly logger: Logger;
  readonly tokens: TokenService;
  readonly snapshots: SnapshotReader;
  readonly queueSnapshots: QueueSnapshotReader;
  readonly ring: EventRing<LiveBusEvent>;
  readonly metrics: LiveMetrics;
  clock(): number;
  /** Resolves once the gateway consumes the events exchange (rejects if it cannot in time). */
  ensureConsuming(): Promise<void>;
  /** Uncork this socket's TCP stream at the end of this event-loop turn (one flush for all sockets). */
  uncorkLater(socket: LiveSocket): void;
  /** The socket authenticated for this account (index it for the fan-out). */
  joined(socket: LiveSocket, accountId: string): void;
  /** Its subscriptions changed (idle timer, gauges). */
  subscriptionsChanged(): void;
  /** It is closing (or closed by the client): forget it. */
  left(socket: LiveSocket, reason: LiveCloseName | 'client'): void;
}

export class LiveSocket {
  principal: Principal | undefined;
  readonly subs: Subscriptions;
  readonly connectedAt: number;
  /** true once closed (by us or the client): nothing is sent any more */
  closed = false;
  /** answered the last heartbeat ping */
  alive = true;
  private token: string | undefined;
  private readonly outbox: Outbox;
  private readonly sync: SnapshotSync;
  private chain: Promise<void> = Promise.resolve();
  private readonly rate: RateLimit;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly host: LiveSocketHost,
  ) {
    const { options } = host;
    this.connectedAt = host.clock();
    this.rate = new RateLimit(options.rateBurst, options.ratePerSecond, this.connectedAt);
    this.subs = new Subscriptions(options.maxSubscriptions);
    const closed = () => this.closed;
    const slow = () => this.close('slow_consumer');
    this.outbox = new Outbox(ws, { metrics: host.metrics, maxBufferedBytes: options.maxBufferedBytes, closed, uncorkLater: () => host.uncorkLater(this), overflowed: slow });
    this.sync = new SnapshotSync({
      ring: host.ring,
      snapshots: host.snapshots,
      queueSnapshots: host.queueSnapshots,
      metrics: host.metrics,
      maxPendingEvents: options.maxPendingEvents,
      subscriptions: this.subs,
      closed,
      write: (frame) => this.outbox.write(frame),
      overflowed: slow,
    });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => {
      if (this.killTimer) clearTimeout(this.killTimer);
      if (!this.closed) {
        this.closed = true;
        this.sync.drop();
        host.left(this, 'client');
      }
    });
    ws.on('error', (err) => host.logger.debug({ err }, 'websocket error'));
  }

  get accountId(): string | undefined {
    return this.principal?.accountId;
  }

  /** Token expiry (ms since epoch), if authenticated. */
  get expiry(): number | undefined {
    return this.principal?.expiresAt;
  }

  /** The token the connection authenticated with (never logged, never echoed). */
  get authToken(): string | undefined {
    return this.token;
  }

  // ---- events from the bus -------------------------------------------------------------------

  /** A live event of this socket's account (a recipient's, a queue's or a session's). */
  offer(ev: LiveBusEvent): void {
    this.sync.offer(ev);
  }


  /** After a bus outage: a fresh snapshot of everything subscribed (events may have been missed). */
  resync(): void {
    if (this.closed || this.subs.size === 0) return;
    this.enqueue(async () => {
      const account = this.accountId;
      if (this.closed || this.subs.size === 0 || account === undefined) return;
      const subs = [...this.subs.values()];
      await this.sync.during(async () => {
        try {
          const round = await this.sync.read(account, subs, {});
          if (!this.closed) this.sync.emit(round, subs, 'reconnect', undefined, true);
        } catch (err) {
          // events may be missing and no snapshot could be read: let the client reconnect and resume
          this.host.logger.warn({ err }, 'live resync after a bus outage failed; closing so that the client resumes');
          this.close('internal_error');
        }
      });
    });
  }

  /** The outbox's corked writes go out (called by the hub at the end of the event-loop turn). */
  uncork(): void {
    this.outbox.uncork();
  }

  // ---- client messages -----------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.rate.take(this.host.clock())) {
      this.close('rate_limited');
      return;
    }
    const read = readClientMessage(data, isBinary);
    if (!read.ok) {
      this.replyError(read.requestId, read.refusal);
      return;
    }
    const { msg, requestId } = read;
    this.enqueue(async () => {
      try {
        await this.handle(msg);
      } catch (err) {
        if (err instanceof Refusal) this.replyError(requestId, err);
        else {
          this.host.logger.error({ err, action: msg.action }, 'live message failed');
          this.replyError(requestId, new Refusal('internal', ['internal error']));
        }
      }
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: unknown) => this.host.logger.error({ err }, 'live socket task failed'));
  }

  private async handle(msg: LiveClientMessage): Promise<void> {
    if (this.closed) return;
    switch (msg.action) {
      case 'ping':
        this.reply(msg.request_id, { response: 'pong' });
        return;
      case 'subscribe':
        return this.subscribe(msg);
      case 'unsubscribe':
        return this.unsubscribe(msg);
    }
  }

  /** The token of the message (or the connection's), verified; null when the socket was closed. */
  private async authenticate(authToken: string | undefined): Promise<Principal | null> {
    if (authToken !== undefined && authToken !== this.token) {
      let p: Principal;
      try {
        p = await this.host.tokens.verify(authToken);
      } catch (err) {
        // the directory could not be asked: not the token's fault
        if (isRetryableFailure(err)) {
          throw new Refusal(err.error.code, ['could not check the token (message bus or store unavailable); retry']);
        }
        throw new Refusal('unauthorized', ['failed to authenticate token']);
      }
      if (this.principal && p.accountId !== this.principal.accountId) {
        throw new Refusal('forbidden', ['the token is of another account than this connection']);
      }
      this.principal = p;
      this.token = authToken;
      this.host.joined(this, p.accountId);
    } else if (!this.principal) {
      throw new Refusal('unauthorized', ['missing authentication token']);
    }
    if (this.host.clock() >= this.principal.expiresAt) {
      this.close('token_expired');
      return null;
    }
    return this.principal;
  }

  private async subscribe(msg: LiveSubscribeRequest): Promise<void> {
    const p = await this.authenticate(msg.auth_token);
    if (!p) return;
    const { data } = msg;
    const { requested, subs, fresh } = this.subs.plan(p, data);
    try {
      await this.host.ensureConsuming();
    } catch {
      throw new Refusal('unavailable', ['event stream unavailable (message bus down?); retry']);
    }
    if (this.closed) return;
    await this.sync.during(async () => {
      let round: SnapshotRound;
      try {
        round = await this.sync.read(p.accountId, subs, data.resume ?? {}, data.resume_queues ?? {});
      } catch (err) {
        if (err instanceof QubicleFailure) {
          const code = isRetryable(err.error.code) ? err.error.code : 'internal';
          if (code === 'internal') this.host.logger.error({ err }, 'live snapshot failed');
          throw new Refusal(code, [code === 'internal' ? 'snapshot failed' : `snapshot failed: ${err.error.message}`]);
        }
        throw err;
      }
      if (this.closed) return;
      this.subs.add(fresh);
      this.host.subscriptionsChanged();
      this.reply(msg.request_id, { subscribed: requested });
      this.sync.emit(round, subs, data.resume || data.resume_queues ? 'resume' : 'subscribe', msg.request_id, false);
    });
  }

  private async unsubscribe(msg: LiveUnsubscribeRequest): Promise<void> {
    const p = await this.authenticate(msg.auth_token);
    if (!p) return;
    const removed = this.subs.remove(p, msg.data);
    // nothing subscribed any more: the next subscribe starts from a clean slate
    if (this.subs.size === 0) this.sync.forget();
    this.host.subscriptionsChanged();
    this.reply(msg.request_id, { unsubscribed: removed });
  }

  // ---- replies and closing -------------------------------------------------------------------

  private reply(requestId: string | undefined, data: LiveReplySuccessData): void {
    this.outbox.send(successReplyJson(requestId, data));
  }

  private replyError(requestId: string | undefined, r: Refusal): void {
    this.outbox.send(errorReplyJson(requestId, r));
  }

  /** Closes with one of our codes; a peer that does not complete the close handshake is cut. */
  close(name: LiveCloseName): void {
    if (this.closed) return;
    this.closed = true;
    this.sync.drop();
    this.host.left(this, name);
    try {
      this.ws.close(LIVE_CLOSE_CODES[name], LIVE_CLOSE_REASONS[name]);
    } catch {
      this.ws.terminate();
    }
    this.killTimer = setTimeout(() => this.ws.terminate(), 2_000);
    this.killTimer.unref();
  }
}
