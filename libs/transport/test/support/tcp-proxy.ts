/**
 * A TCP proxy between a process under test and the broker, to simulate an unreachable broker for
 * that process only (never touch the shared broker): while closed it accepts and at once destroys
 * every connection (the client sees a connection reset, as with a broker that is down); open, it
 * pipes to the target. `cut()` also destroys the connections in progress.
 *
 *   const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5672 }, { open: false });
 *   const url = proxy.rewrite(vhost.url);   // same vhost and credentials, through the proxy
 *   ...
 *   proxy.open();
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private accepting: boolean;
  private readonly sockets = new Set<Socket>();
  /** connections refused while closed (a client retrying shows up here) */
  refused = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    open: boolean,
  ) {
    this.accepting = open;
  }

  static async start(target: { host: string; port: number }, opts: { open?: boolean } = {}): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target, opts.open ?? true);
    server.on('connection', (client) => proxy.onConnection(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.href;
  }

  open(): void {
    this.accepting = true;
  }

  /** Refuses new connections and drops the open ones. */
  cut(): void {
    this.accepting = false;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(client: Socket): void {
    if (!this.accepting) {
      this.refused++;
      client.destroy();
      return;
    }
    const upstream = connect(this.target);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
