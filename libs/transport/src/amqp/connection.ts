/**
 * The one owner of the amqplib connection: connect (Nagle off), reconnect forever with exponential
 * backoff + jitter until close(), and replay the registered setup functions, in registration order,
 * on every (re)connect — in the style of amqp-connection-manager.
 *
 * Components (RPC client, servers, publisher, subscribers, topology) register setup functions that
 * open their own channels. A setup function that fails on its first application makes `addSetup()`
 * reject and is forgotten; a failure on a later replay is reported through its `onError`.
 * A failure caused by the connection going away is never reported: the setup simply runs again on
 * the next connection.
 *
 * Set-up fails fast: when the FIRST connect is refused by the broker for a reason no retry can fix
 * (wrong credentials, a vhost that does not exist or is not the user's: reply-codes.ts), it is not
 * retried: the connection becomes fatal, emits 'fatal' with a FatalConnectionError naming the user
 * and the vhost (never the password), and every waiting or later `waitForConnection` / setup fails
 * with it. Once it has been connected, the same refusal is an operator changing permissions or
 * credentials under a running cluster (test/ops/readiness.test.ts revokes and restores them): it is
 * logged as an error on every attempt and retried, so the node comes back when they are fixed.
 */
import { EventEmitter } from 'node:events';
import amqp, { type ChannelModel } from 'amqplib';
import { noopLogger, type Logger } from '../bus.js';
import { FatalConnectionError, TransportError } from '../errors.js';
import { exposeHandshakeClose, handshakeRefusal } from './handshake-close.js';
import { isFatalAtConnect, replyCodeName } from './reply-codes.js';
import { amqpUserOf, stampUserId } from './user-id.js';
import { coalesceWrites } from './write-coalescing.js';

export type SetupFn = (conn: ChannelModel) => Promise<void>;

export interface SetupOptions {
  /** Called when a replay (not the first application) fails while the connection stays up. */
  onError?: (err: Error) => void;
  /** For logs. */
  label?: string;
}

export interface SetupHandle {
  /** Resolves after the first successful application, rejects if the first application failed. */
  readonly ready: Promise<void>;
  /** Forget the setup: it is not replayed any more. */
  remove(): void;
  /** Run the setup again now on the current connection (e.g. its channel died); no-op while disconnected. */
  rerun(): void;
}

export interface AmqpConnectionOptions {
  url: string;
  logger?: Logger;
  /** Shown as the connection name in the management UI / rabbitmqctl. */
  name?: string;
  /**
   * Default true: a first connect the broker refuses for good makes the connection fatal (see the
   * top of this file). false: always retried (the bus's replies connection, opened only once the
   * main one is up: the main connection is the one that decides).
   */
  failFast?: boolean;
  /** First reconnect delay, default 100 ms; doubles up to `maxDelayMs` (default 5000), with jitter. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** TCP + AMQP handshake timeout of one attempt, default 10000 ms. */
  connectTimeoutMs?: number;
  /**
   * AMQP heartbeat asked for when the URL has no `heartbeat` query parameter; default 10 s.
   * It bounds how long the broker keeps the exclusive consumers of a frozen node: it drops the
   * connection ~3 heartbeats after its last frame (the worker derives it from its lease TTL).
   */
  heartbeatSeconds?: number;
  /**
   * Stamped as the AMQP `user_id` of every message published on this connection (user-id.ts): the
   * broker checks it is the connection's own user, so receivers can trust it. Unset = none.
   */
  userId?: string;
}

interface SetupEntry {
  fn: SetupFn;
  label: string;
  onError: ((err: Error) => void) | undefined;
  /** generation of the connection it was last applied to; 0 = never */
  appliedGeneration: number;
  removed: boolean;
  firstSettled: boolean;
  resolveFirst: () => void;
  rejectFirst: (err: unknown) => void;
}

export interface AmqpConnectionEvents {
  connected: [];
  disconnected: [];
  /** the broker refused the connection for good; the connection does nothing any more */
  fatal: [FatalConnectionError];
}

export class AmqpConnection extends EventEmitter<AmqpConnectionEvents> {
  private readonly url: string;
  private readonly log: Logger;
  readonly name: string;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly connectTimeoutMs: number;
  private readonly heartbeatSeconds: number;
  private readonly userId: string | undefined;
  private readonly failFast: boolean;

  private conn: ChannelModel | undefined;
  private generation = 0;
  private connected = false;
  private everConnected = false;
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private loopPromise: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly setups: SetupEntry[] = [];
  /** Serialises every setup application, so they always run in registration order. */
  private serial: Promise<unknown> = Promise.resolve();
  private _reconnects = 0;
  private readonly closeWaiters = new Set<(err?: Error) => void>();
  private fatalError: FatalConnectionError | undefined;

  constructor(opts: AmqpConnectionOptions) {
    super();
    this.url = opts.url;
    this.log = opts.logger ?? noopLogger;
    this.name = opts.name ?? 'qubicle-transport';
    this.initialDelayMs = opts.initialDelayMs ?? 100;
    this.maxDelayMs = opts.maxDelayMs ?? 5000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.heartbeatSeconds = opts.heartbeatSeconds ?? 10;
    this.userId = opts.userId;
    this.failFast = opts.failFast ?? true;
  }

  /** Starts the connect loop (idempotent). */
  start(): void {
    if (this.loopPromise || this.closing) return;
    this.loopPromise = this.loop().catch((err: unknown) => {
      this.log.error({ err, connection: this.name }, 'amqp connection loop crashed');
    });
  }

  /** Connected = connection open AND every setup replayed. */
  isConnected(): boolean {
    return this.connected;
  }

  get reconnects(): number {
    return this._reconnects;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Set once the broker refused the connection for good (see the top of this file). */
  get fatal(): FatalConnectionError | undefined {
    return this.fatalError;
  }

  /** The live connection (possibly still replaying setups), if any. */
  current(): ChannelModel | undefined {
    return this.conn;
  }

  onStateChange(listener: (connected: boolean) => void): () => void {
    const up = () => listener(true);
    const down = () => listener(false);
    this.on('connected', up);
    this.on('disconnected', down);
    return () => {
      this.off('connected', up);
      this.off('disconnected', down);
    };
  }

  /** Resolves when connected (now or later); rejects on timeout or close. */
  waitForConnection(timeoutMs?: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.fatalError) return Promise.reject(this.fatalError);
    if (this.closing) return Promise.reject(new TransportError('closed', 'connection closed'));
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: Error) => {
        off();
        this.closeWaiters.delete(onClose);
        if (timer) clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const onClose = (err?: Error) => finish(err ?? new TransportError('closed', 'connection closed'));
      const off = this.onStateChange((up) => {
        if (up) finish();
      });
      this.closeWaiters.add(onClose);
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => finish(new TransportError('disconnected', `not connected to the broker after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }
    });
  }

  addSetup(fn: SetupFn, opts: SetupOptions = {}): SetupHandle {
    let resolveFirst!: () => void;
    let rejectFirst!: (err: unknown) => void;
    const ready = new Promise<void>((res, rej) => {
      resolveFirst = res;
      rejectFirst = rej;
    });
    const entry: SetupEntry = {
      fn,
      label: opts.label ?? 'setup',
      onError: opts.onError,
      appliedGeneration: 0,
      removed: false,
      firstSettled: false,
      resolveFirst,
      rejectFirst,
    };
    if (this.closing || this.fatalError) {
      entry.firstSettled = true;
      rejectFirst(this.fatalError ?? new TransportError('closed', 'connection closed'));
      return { ready, remove() {}, rerun() {} };
    }
    this.setups.push(entry);
    // While connected, apply now; otherwise the (re)connect replay will pick it up.
    if (this.connected) this.scheduleRun(entry);
    return {
      ready,
      remove: () => this.removeEntry(entry),
      rerun: () => {
        if (entry.removed || !this.connected) return;
        entry.appliedGeneration = 0;
        this.scheduleRun(entry);
      },
    };
  }

  /** Graceful close: no more reconnects; the connection is closed once. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    for (const w of [...this.closeWaiters]) w();
    this.closePromise = (async () => {
      this.wake?.();
      const conn = this.conn;
      if (conn) {
        try {
          await conn.close();
        } catch (err) {
          this.log.debug({ err, connection: this.name }, 'amqp connection close failed (already closed?)');
        }
      }
      await this.loopPromise;
      this.setConnected(false);
      for (const entry of this.setups.splice(0)) {
        entry.removed = true;
        if (!entry.firstSettled) {
          entry.firstSettled = true;
          entry.rejectFirst(new TransportError('closed', 'connection closed'));
        }
      }
    })();
    return this.closePromise;
  }

  // ---------------------------------------------------------------------------------------------

  private removeEntry(entry: SetupEntry): void {
    entry.removed = true;
    const idx = this.setups.indexOf(entry);
    if (idx >= 0) this.setups.splice(idx, 1);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serial.then(task, task);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private scheduleRun(entry: SetupEntry): void {
    void this.enqueue(async () => {
      const conn = this.conn;
      if (!conn || !this.connected || entry.removed || entry.appliedGeneration === this.generation) return;
      await this.runEntry(entry, conn, this.generation);
    });
  }

  /** @returns false when the connection went away during the run */
  private async runEntry(entry: SetupEntry, conn: ChannelModel, gen: number): Promise<boolean> {
    try {
      await entry.fn(conn);
      entry.appliedGeneration = gen;
      if (!entry.firstSettled) {
        entry.firstSettled = true;
        entry.resolveFirst();
      }
      return true;
    } catch (caught) {
      const err = caught instanceof Error ? caught : new Error(String(caught));
      if (this.conn !== conn || gen !== this.generation) {
        // The connection died under the setup: it will be replayed on the next connection.
        this.log.debug({ err, setup: entry.label }, 'setup interrupted by connection loss');
        return false;
      }
      entry.appliedGeneration = gen; // do not retry on this connection
      if (!entry.firstSettled) {
        entry.firstSettled = true;
        this.removeEntry(entry);
        entry.rejectFirst(err);
      } else if (entry.onError) {
        try {
          entry.onError(err);
        } catch (cbErr) {
          this.log.error({ err: cbErr, setup: entry.label }, 'setup onError callback threw');
        }
      } else {
        this.log.warn({ err, setup: entry.label }, 'setup replay failed');
      }
      return true;
    }
  }

  private async replay(conn: ChannelModel, gen: number): Promise<boolean> {
    // Always the first setup (in registration order) not yet applied to this connection, so
    // setups added or removed while the replay runs are handled correctly.
    const attempted = new Set<SetupEntry>();
    for (;;) {
      const entry = this.setups.find((e) => !e.removed && e.appliedGeneration !== gen && !attempted.has(e));
      if (!entry) break;
      attempted.add(entry);
      const ok = await this.runEntry(entry, conn, gen);
      if (!ok || this.conn !== conn) return false;
    }
    return this.conn === conn;
  }

  private setConnected(up: boolean): void {
    if (this.connected === up) return;
    this.connected = up;
    this.emit(up ? 'connected' : 'disconnected');
  }

  private connectUrl(): string {
    try {
      const u = new URL(this.url);
      if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(this.heartbeatSeconds));
      return u.href;
    } catch {
      return this.url; // let amqplib report the bad URL
    }
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(attempt, 30));
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /** The connect error as a FatalConnectionError when no retry can fix it (reply-codes.ts), else undefined. */
  private refusedForGood(err: unknown): FatalConnectionError | undefined {
    const refusal = handshakeRefusal(err);
    if (!refusal || !isFatalAtConnect(refusal.code, refusal.text)) return undefined;
    const { user, vhost } = this.identity();
    const what =
      refusal.code === 530 || refusal.code === 402
        ? `the broker refused vhost '${vhost}' to user '${user}' (it does not exist, or the user has no permission on it)`
        : `the broker refused the login of user '${user}' to vhost '${vhost}' (wrong user name or password?)`;
    const broker = refusal.text ? `: ${refusal.code} ${replyCodeName(refusal.code)} "${refusal.text}"` : `: ${refusal.code} ${replyCodeName(refusal.code)}`;
    return new FatalConnectionError(`${this.name}: ${what}${broker}`, refusal.code, user, vhost, { cause: err });
  }

  /** User and vhost of the URL, for messages; never the password. */
  private identity(): { user: string; vhost: string } {
    try {
      const u = new URL(this.url);
      const path = u.pathname.replace(/^\//, '');
      return { user: amqpUserOf(this.url), vhost: path === '' ? '/' : decodeURIComponent(path) };
    } catch {
      return { user: '?', vhost: '?' };
    }
  }

  private failForGood(err: FatalConnectionError): void {
    this.fatalError = err;
    this.log.error({ connection: this.name, user: err.user, vhost: err.vhost, replyCode: err.replyCode }, `${err.message}; not retrying`);
    for (const w of [...this.closeWaiters]) w(err);
    for (const entry of this.setups.splice(0)) {
      entry.removed = true;
      if (!entry.firstSettled) {
        entry.firstSettled = true;
        entry.rejectFirst(err);
      }
    }
    this.emit('fatal', err);
  }

  private async loop(): Promise<void> {
    exposeHandshakeClose(); // reply codes of a refused handshake (handshake-close.ts)
    let attempt = 0;
    while (!this.closing) {
      let conn: ChannelModel;
      try {
        conn = await amqp.connect(this.connectUrl(), {
          noDelay: true, // with Nagle on, RPC throughput collapses (~45 calls/s)
          timeout: this.connectTimeoutMs,
          clientProperties: { connection_name: this.name },
        });
      } catch (err) {
        const refused = this.refusedForGood(err);
        if (refused && this.failFast && !this.everConnected) {
          this.failForGood(refused);
          break;
        }
        const delay = this.backoff(attempt++);
        if (refused) {
          // it worked before: permissions or credentials are being changed; say so loudly, keep trying
          this.log.error({ connection: this.name, user: refused.user, vhost: refused.vhost, replyCode: refused.replyCode, attempt, delayMs: delay }, `${refused.message}; retrying`);
        } else {
          this.log.warn({ err, connection: this.name, attempt, delayMs: delay }, 'amqp connect failed; retrying');
        }
        await this.sleep(delay);
        continue;
      }
      if (this.closing) {
        conn.on('error', () => {});
        await conn.close().catch(() => undefined);
        break;
      }

      // One writev per event-loop turn instead of one write per frame (write-coalescing.ts).
      if (!coalesceWrites(conn)) this.log.debug({ connection: this.name }, 'amqplib internals changed: socket writes not coalesced');
      if (this.userId !== undefined) stampUserId(conn, this.userId);
      const gen = ++this.generation;
      this.conn = conn;
      const closed = new Promise<void>((resolve) => {
        conn.on('close', (err?: Error) => {
          if (this.conn === conn) this.conn = undefined;
          if (err) this.log.warn({ err, connection: this.name }, 'amqp connection lost');
          else this.log.info({ connection: this.name }, 'amqp connection closed');
          resolve();
        });
      });
      conn.on('error', (err: Error) => {
        this.log.warn({ err, connection: this.name }, 'amqp connection error');
      });
      conn.on('blocked', (reason: string) => {
        this.log.warn({ reason, connection: this.name }, 'amqp connection blocked by the broker');
      });
      conn.on('unblocked', () => {
        this.log.info({ connection: this.name }, 'amqp connection unblocked');
      });

      const ok = await this.enqueue(() => this.replay(conn, gen));
      if (ok && this.conn === conn && !this.closing) {
        attempt = 0;
        if (this.everConnected) this._reconnects++;
        this.everConnected = true;
        this.log.info({ connection: this.name, reconnects: this._reconnects }, 'amqp connected');
        this.setConnected(true);
        // setups registered between the end of the replay and now
        for (const entry of this.setups) if (entry.appliedGeneration !== gen) this.scheduleRun(entry);
      }
      await closed;
      this.setConnected(false);
      if (this.closing) break;
      const delay = this.backoff(attempt++);
      await this.sleep(delay);
    }
  }
}
