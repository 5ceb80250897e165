/**
 * One socket's way out: replies through the websocket library, prebuilt frames (events,
 * snapshots) straight to the TCP stream, everything of one event-loop turn corked into one write,
 * and the per-socket backpressure limit (a client that does not read is a slow consumer).
 * The gateway-wide limit over all sockets is the hub's (live-hub.ts checkBuffers).
 */
import type { WebSocket } from 'ws';
import type { LiveMetrics } from './metrics.js';

/** ws's TCP socket: frames built once for every socket are written to it directly. */
interface TcpStream {
  cork(): void;
  uncork(): void;
  write(b: Buffer): boolean;
  readonly writableLength: number;
}

export interface OutboxHost {
  readonly metrics: LiveMetrics;
  /** bytes queued on the socket beyond which it is a slow consumer */
  readonly maxBufferedBytes: number;
  /** true once the socket is closed: nothing is sent any more */
  closed(): boolean;
  /** Ask for `uncork()` at the end of this event-loop turn (one flush for all sockets). */
  uncorkLater(): void;
  /** More than `maxBufferedBytes` is queued. */
  overflowed(): void;
}

export class Outbox {
  private readonly tcp: TcpStream | undefined;
  /** the TCP socket is corked until the end of this event-loop turn (see write) */
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly host: OutboxHost,
  ) {
    this.tcp = (ws as unknown as { _socket?: TcpStream })._socket ?? undefined;
  }

  /** A reply (rare): through the websocket library. */
  send(payload: string): void {
    if (this.host.closed()) return;
    this.cork();
    this.ws.send(payload, { binary: false });
    this.sent();
  }

  /**
   * A prebuilt frame (events, snapshots), written straight to the TCP socket: the bytes are the
   * same for every socket, so nothing is framed or copied per socket. The websocket library writes
   * its own frames (replies, pings, close) to the same stream synchronously, so order is kept.
   */
  write(frame: Buffer): void {
    if (this.host.closed()) return;
    const tcp = this.tcp;
    if (!tcp || this.ws.readyState !== this.ws.OPEN) return;
    this.cork();
    tcp.write(frame);
    this.sent();
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.tcp?.uncork();
  }

  /** Everything sent during one event-loop turn (a burst of events, a snapshot) goes out in one write. */
  private cork(): void {
    if (this.corked || !this.tcp) return;
    this.tcp.cork();
    this.corked = true;
    this.host.uncorkLater();
  }

  private sent(): void {
    this.host.metrics.messagesSent(1);
    if (this.ws.bufferedAmount > this.host.maxBufferedBytes) this.host.overflowed();
  }
}
