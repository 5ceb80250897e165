/**
 * One event websocket: its principal (from the first auth_token), its subscriptions, and the
 * per-recipient seq of the last thing it was sent. Client messages are handled one at a time, in
 * order. Live events reach it through `offer`; while a snapshot is being read they are held, then
 * replayed through the same filter, which drops every event whose seq is not above what the
 * socket already has for that recipient: snapshot, then deltas, no duplicate, no gap.
 */
import { decodeJwt } from 'jose';
import type { RawData, WebSocket } from 'ws';
import {
  CLIENT_JSON_MAX_DEPTH,
  LIVE_CLOSE_CODES,
  LIVE_CLOSE_REASONS,
  NOT_LOGGED_IN_STATUS,
  QubicleFailure,
  RECIPIENT_EVENTS,
  UnsafeJsonError,
  detailLines,
  isRetryable,
  isRetryableFailure,
  liveBindingProblem,
  liveEventKey,
  normalizeLiveBinding,
  parseJson,
  validateLiveClientMessage,
  type LiveClientMessage,
  type LiveCloseName,
  type LiveErrorCode,
  type LiveReply,
  type LiveReplySuccessData,
  type LiveSnapshotCompleteData,
  type LiveSnapshotData,
  type LiveSnapshotReason,
  type LiveSubscribeRequest,
  type LiveUnsubscribeRequest,
  type ValidationDetails,
} from '@qubicle/contracts';
import { topicMatches, type Logger } from '@qubicle/transport';
import type { Principal } from '../auth/principal.js';
import type { TokenService } from '../auth/tokens.js';
import type { EventRing } from './event-ring.js';
import type { LiveMetrics } from './metrics.js';
import type { LiveOptions } from './options.js';
import { eventMessageJson, subscriptionKeys, textFrame, type PreparedEvent, type SubscriptionKeys } from './prepared-event.js';
import type { SnapshotRead, SnapshotReader } from './snapshot-batcher.js';

/** What a socket needs from the hub that owns it. */
export interface LiveSocketHost {
  readonly options: LiveOptions;
  readonly logger: Logger;
  readonly tokens: TokenService;
  readonly snapshots: SnapshotReader;
  readonly ring: EventRing;
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

export interface Subscription extends SubscriptionKeys {
  name?: string;
  metadata?: Record<string, unknown>;
}

/** A failure answered as an error reply. */
class Refusal {
  constructor(
    readonly code: LiveErrorCode,
    readonly errors: string[],
    readonly details?: ValidationDetails,
  ) {}
}

interface SnapshotRound {
  account: string;
  batch: SnapshotRead;
  /** recipients to send a snapshot entry of (logged in, visible, not replayed) */
  entries: string[];
  replays: Map<string, PreparedEvent[]>;
  resume: Record<string, number>;
  resynced: string[];
}

/** A recipient id that cannot appear literally in a binding (for the visibility shortcut). */
const PROBE_IDS = ['f'.repeat(32), 'e'.repeat(32)];

export class LiveSocket {
  principal: Principal | undefined;
  readonly subs = new Map<string, Subscription>();
  readonly connectedAt: number;
  /** true once closed (by us or the client): nothing is sent any more */
  closed = false;
  /** answered the last heartbeat ping */
  alive = true;
  private token: string | undefined;
  private expiresAt: number | undefined;
  private readonly lastSeq = new Map<string, number>();
  private syncing = 0;
  private pending: PreparedEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  private rateTokens: number;
  private rateAt: number;
  private killTimer: NodeJS.Timeout | undefined;
  /** the TCP socket is corked until the end of this event-loop turn (see write) */
  private corked = false;
  /** ws's TCP socket: frames built once for every socket are written to it directly */
  private readonly tcp: { cork(): void; uncork(): void; write(b: Buffer): boolean; readonly writableLength: number } | undefined;
  /** the subscriptions as an array (the hot path iterates it) */
  private subList: Subscription[] = [];

  constructor(
    readonly ws: WebSocket,
    private readonly host: LiveSocketHost,
  ) {
    this.connectedAt = host.clock();
    this.tcp = (ws as unknown as { _socket?: LiveSocket['tcp'] })._socket ?? undefined;
    this.rateTokens = host.options.rateBurst;
    this.rateAt = this.connectedAt;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => {
      if (this.killTimer) clearTimeout(this.killTimer);
      if (!this.closed) {
        this.closed = true;
        this.pending = [];
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
    return this.expiresAt;
  }

  /** The token the connection authenticated with (never logged, never echoed). */
  get authToken(): string | undefined {
    return this.token;
  }

  // ---- events from the bus -------------------------------------------------------------------

  /** A live event of this socket's account. */
  offer(ev: PreparedEvent): void {
    if (this.closed || (this.subs.size === 0 && this.syncing === 0)) return;
    if (this.syncing > 0) {
      this.pending.push(ev);
      if (this.pending.length > this.host.options.maxPendingEvents) this.close('slow_consumer');
      return;
    }
    this.deliver(ev);
  }

  /** After a bus outage: a fresh snapshot of everything subscribed (events may have been missed). */
  resync(): void {
    if (this.closed || this.subs.size === 0) return;
    this.enqueue(async () => {
      const account = this.accountId;
      if (this.closed || this.subs.size === 0 || account === undefined) return;
      const subs = [...this.subs.values()];
      this.syncing++;
      try {
        const round = await this.readSnapshot(account, subs, {});
        if (!this.closed) this.emitSnapshot(round, subs, 'reconnect', undefined, true);
      } catch (err) {
        // events may be missing and no snapshot could be read: let the client reconnect and resume
        this.host.logger.warn({ err }, 'live resync after a bus outage failed; closing so that the client resumes');
        this.close('internal_error');
      } finally {
        this.endSync();
      }
    });
  }

  // ---- client messages -----------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.takeRateToken()) {
      this.close('rate_limited');
      return;
    }
    if (isBinary) {
      this.replyError(undefined, new Refusal('invalid_message', ['binary messages are not supported: send JSON text']));
      return;
    }
    let parsed: unknown;
    try {
      // the parse of every entrance: no prototype keys, no deep nesting (libs/contracts wire/safe-json.ts)
      parsed = parseJson(rawText(data), CLIENT_JSON_MAX_DEPTH);
    } catch (err) {
      const why = err instanceof UnsafeJsonError && err.reason !== 'syntax' ? `message refused: ${err.message}` : 'message is not valid JSON';
      this.replyError(undefined, new Refusal('invalid_message', [why]));
      return;
    }
    const rid = (parsed as { request_id?: unknown } | null)?.request_id;
    const requestId = typeof rid === 'string' && rid.length > 0 && rid.length <= 256 ? rid : undefined;
    const v = validateLiveClientMessage(parsed);
    if (!v.ok) {
      this.replyError(requestId, new Refusal('invalid_message', detailLines(v.details), v.details));
      return;
    }
    const msg = v.value;
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
      const exp = decodeJwt(authToken).exp;
      this.principal = p;
      this.token = authToken;
      this.expiresAt = typeof exp === 'number' ? exp * 1000 : undefined;
      this.host.joined(this, p.accountId);
    } else if (!this.principal) {
      throw new Refusal('unauthorized', ['missing authentication token']);
    }
    if (this.expiresAt !== undefined && this.host.clock() >= this.expiresAt) {
      this.close('token_expired');
      return null;
    }
    return this.principal ?? null;
  }

  private async subscribe(msg: LiveSubscribeRequest): Promise<void> {
    const p = await this.authenticate(msg.auth_token);
    if (!p) return;
    const { data } = msg;
    if (data.account_id !== p.accountId) throw new Refusal('forbidden', ['account_id is not the account of the auth token']);
    const requested = data.binding !== undefined ? [data.binding] : (data.bindings ?? []);
    const problems = requested.map((b) => [b, liveBindingProblem(b)] as const).filter(([, why]) => why !== undefined);
    if (problems.length > 0) throw new Refusal('unsupported_binding', problems.map(([b, why]) => `${b}: ${why}`));

    // the subscriptions this message is about: existing ones are kept as they are
    const subs: Subscription[] = [];
    const fresh: Subscription[] = [];
    for (const b of requested) {
      const key = normalizeLiveBinding(b);
      if (subs.some((s) => s.subscriptionKey === key)) continue;
      const existing = this.subs.get(key);
      if (existing) subs.push(existing);
      else {
        const sub: Subscription = subscriptionKeys(b, key);
        if (data.name !== undefined) sub.name = data.name;
        if (data.metadata !== undefined) sub.metadata = data.metadata;
        subs.push(sub);
        fresh.push(sub);
      }
    }
    if (this.subs.size + fresh.length > this.host.options.maxSubscriptions) {
      throw new Refusal('too_many_subscriptions', [`at most ${this.host.options.maxSubscriptions} subscriptions per connection`]);
    }

    try {
      await this.host.ensureConsuming();
    } catch {
      throw new Refusal('unavailable', ['event stream unavailable (message bus down?); retry']);
    }
    if (this.closed) return;
    this.syncing++;
    try {
      let round: SnapshotRound;
      try {
        round = await this.readSnapshot(p.accountId, subs, data.resume ?? {});
      } catch (err) {
        if (err instanceof QubicleFailure) {
          const code = isRetryable(err.error.code) ? err.error.code : 'internal';
          if (code === 'internal') this.host.logger.error({ err }, 'live snapshot failed');
          throw new Refusal(code, [code === 'internal' ? 'snapshot failed' : `snapshot failed: ${err.error.message}`]);
        }
        throw err;
      }
      if (this.closed) return;
      for (const s of fresh) this.subs.set(s.subscriptionKey, s);
      this.subList = [...this.subs.values()];
      this.host.subscriptionsChanged();
      this.reply(msg.request_id, { subscribed: requested });
      this.emitSnapshot(round, subs, data.resume ? 'resume' : 'subscribe', msg.request_id, false);
    } finally {
      this.endSync();
    }
  }

  private async unsubscribe(msg: LiveUnsubscribeRequest): Promise<void> {
    const p = await this.authenticate(msg.auth_token);
    if (!p) return;
    const data = msg.data;
    let removed: string[];
    if (!data || data.account_id === undefined) {
      // blackhole: no account_id = every subscription of the connection
      removed = [...this.subs.values()].map((s) => s.subscribedKey);
      this.subs.clear();
    } else {
      if (data.account_id !== p.accountId) throw new Refusal('forbidden', ['account_id is not the account of the auth token']);
      const keys = data.binding !== undefined ? [data.binding] : (data.bindings ?? []);
      removed = [];
      for (const b of keys) {
        const sub = this.subs.get(normalizeLiveBinding(b));
        if (sub && this.subs.delete(sub.subscriptionKey)) removed.push(sub.subscribedKey);
      }
      if (keys.length === 0) {
        removed = [...this.subs.values()].map((s) => s.subscribedKey);
        this.subs.clear();
      }
    }
    this.subList = [...this.subs.values()];
    // nothing subscribed any more: the next subscribe starts from a clean slate
    if (this.subs.size === 0) this.lastSeq.clear();
    this.host.subscriptionsChanged();
    this.reply(msg.request_id, { unsubscribed: removed });
  }

  // ---- snapshots -----------------------------------------------------------------------------

  /**
   * Recipients visible to `subs`: resumed ones are replayed from the buffer when it can prove
   * nothing is missing; the others (and the resumed ones it cannot prove) are read from the workers.
   */
  private async readSnapshot(account: string, subs: Subscription[], resume: Record<string, number>): Promise<SnapshotRound> {
    const visible = visibility(subs);
    const replays = new Map<string, PreparedEvent[]>();
    const resynced: string[] = [];
    for (const [rid, seq] of Object.entries(resume)) {
      if (!visible(rid)) continue;
      const events = this.host.ring.replay(account, rid, seq);
      if (events) replays.set(rid, events);
      else resynced.push(rid);
    }
    this.host.metrics.resumed('replayed', replays.size);
    this.host.metrics.resumed('resynced', resynced.length);
    const batch = await this.host.snapshots.read(account, resynced);
    const entries = [...new Set([...batch.ids.filter((id) => visible(id) && !replays.has(id)), ...resynced])].filter((id) => batch.read[id] !== undefined);
    return { account, batch, entries, replays, resume, resynced };
  }

  private emitSnapshot(round: SnapshotRound, subs: Subscription[], reason: LiveSnapshotReason, requestId: string | undefined, allResync: boolean): void {
    const { account } = round;
    const sees = subs.map((s) => visibility([s]));
    const subFor = (rid: string): Subscription => subs[sees.findIndex((v) => v(rid))] ?? subs[0]!;
    const resynced = new Set(round.resynced);
    let entries = 0;
    const sendEntry = (rid: string, seq: number, frame: Buffer) => {
      this.write(frame);
      const last = this.lastSeq.get(rid);
      if (seq > 0 && (last === undefined || seq > last)) this.lastSeq.set(rid, seq);
      entries++;
    };
    const { batch } = round;
    for (const rid of round.entries) sendEntry(rid, batch.read[rid]!.seq, batch.entryFrame(subFor(rid), rid, allResync || resynced.has(rid)));
    // recipients the client knew of who are not logged in any more
    const gone = new Set(round.resynced);
    if (allResync) for (const rid of this.lastSeq.keys()) gone.add(rid);
    for (const rid of gone) {
      if (batch.read[rid] || round.replays.has(rid)) continue;
      if (!subs.some((s) => canSee(s.subscriptionKey, rid))) continue;
      const data: LiveSnapshotData = { event: 'snapshot', account_id: account, recipient_id: rid, seq: 0, timestamp: batch.readAt, status: { ...NOT_LOGGED_IN_STATUS }, resync: true };
      sendEntry(rid, 0, textFrame(eventMessageJson(subFor(rid), 'snapshot', `qubicle.recipient.${account}.${rid}.snapshot`, JSON.stringify(data))));
      this.lastSeq.delete(rid);
    }
    for (const [rid, events] of round.replays) {
      const from = round.resume[rid] ?? 0;
      const last = this.lastSeq.get(rid);
      if (last === undefined || from > last) this.lastSeq.set(rid, from);
      for (const ev of events) this.deliver(ev);
    }
    const done: LiveSnapshotCompleteData = {
      event: 'snapshot_complete',
      account_id: account,
      reason,
      recipients: entries,
      resumed: [...round.replays.keys()],
      resynced: round.resynced,
    };
    if (requestId !== undefined) done.request_id = requestId;
    this.write(textFrame(eventMessageJson(subs[0]!, 'snapshot_complete', `qubicle.recipient.${account}.snapshot_complete`, JSON.stringify(done))));
  }

  private endSync(): void {
    this.syncing--;
    if (this.syncing > 0) return;
    const held = this.pending;
    this.pending = [];
    for (const ev of held) this.deliver(ev);
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Sends a live event if a subscription matches and it is newer than what the socket has. */
  private deliver(ev: PreparedEvent): void {
    if (this.closed) return;
    let sub: Subscription | undefined;
    for (const s of this.subList) {
      if (ev.matches(s.subscriptionKey)) {
        sub = s;
        break;
      }
    }
    if (!sub) return;
    const last = this.lastSeq.get(ev.recipientId);
    if (last !== undefined && ev.seq <= last) return;
    this.lastSeq.set(ev.recipientId, ev.seq);
    this.write(ev.frameFor(sub));
  }

  private reply(requestId: string | undefined, data: LiveReplySuccessData): void {
    const msg: LiveReply = requestId !== undefined ? { action: 'reply', request_id: requestId, status: 'success', data } : { action: 'reply', status: 'success', data };
    this.send(JSON.stringify(msg));
  }

  private replyError(requestId: string | undefined, r: Refusal): void {
    const data: Extract<LiveReply, { status: 'error' }>['data'] = { errors: r.errors, code: r.code };
    if (r.details) data.details = r.details;
    const msg: LiveReply = requestId !== undefined ? { action: 'reply', request_id: requestId, status: 'error', data } : { action: 'reply', status: 'error', data };
    this.send(JSON.stringify(msg));
  }

  /** A reply (rare): through the websocket library. */
  private send(payload: string): void {
    if (this.closed) return;
    this.cork();
    this.ws.send(payload, { binary: false });
    this.sent();
  }

  /**
   * A prebuilt frame (events, snapshots), written straight to the TCP socket: the bytes are the
   * same for every socket, so nothing is framed or copied per socket. The websocket library writes
   * its own frames (replies, pings, close) to the same stream synchronously, so order is kept.
   */
  private write(frame: Buffer): void {
    if (this.closed) return;
    const tcp = this.tcp;
    if (!tcp || this.ws.readyState !== this.ws.OPEN) return;
    this.cork();
    tcp.write(frame);
    this.sent();
  }

  /** Everything sent during one event-loop turn (a burst of events, a snapshot) goes out in one write. */
  private cork(): void {
    if (this.corked || !this.tcp) return;
    this.tcp.cork();
    this.corked = true;
    this.host.uncorkLater(this);
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.tcp?.uncork();
  }

  private sent(): void {
    this.host.metrics.messagesSent(1);
    if (this.ws.bufferedAmount > this.host.options.maxBufferedBytes) this.close('slow_consumer');
  }

  /** Closes with one of our codes; a peer that does not complete the close handshake is cut. */
  close(name: LiveCloseName): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.host.left(this, name);
    try {
      this.ws.close(LIVE_CLOSE_CODES[name], LIVE_CLOSE_REASONS[name]);
    } catch {
      this.ws.terminate();
    }
    this.killTimer = setTimeout(() => this.ws.terminate(), 2_000);
    this.killTimer.unref();
  }

  private takeRateToken(): boolean {
    const now = this.host.clock();
    const { rateBurst, ratePerSecond } = this.host.options;
    this.rateTokens = Math.min(rateBurst, this.rateTokens + ((now - this.rateAt) * ratePerSecond) / 1000);
    this.rateAt = now;
    if (this.rateTokens < 1) return false;
    this.rateTokens -= 1;
    return true;
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Can any event of recipient `rid` match the (normalised) binding? */
export function canSee(pattern: string, rid: string): boolean {
  return RECIPIENT_EVENTS.some((e) => topicMatches(pattern, liveEventKey(rid, e)));
}

/**
 * `rid => visible to one of subs`. A binding that does not name `rid` literally sees it exactly
 * when it sees a recipient it does not name either, so that answer is computed once per binding.
 */
function visibility(subs: Subscription[]): (rid: string) => boolean {
  const generic = subs.map((s) => {
    const words = s.subscriptionKey.split('.');
    const probe = PROBE_IDS.find((id) => !words.includes(id)) ?? PROBE_IDS[0]!;
    return { words, sees: canSee(s.subscriptionKey, probe) };
  });
  return (rid) => subs.some((s, i) => (generic[i]!.words.includes(rid) ? canSee(s.subscriptionKey, rid) : generic[i]!.sees));
}
