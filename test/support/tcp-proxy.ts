/**
 * A TCP proxy between one client process and the broker, to cut THAT client off (a broker outage
 * as it sees it) without touching the shared broker or anyone else's connections: `cut()` drops
 * every connection through it (both sides, so the broker lets go of the client's exclusive
 * consumers at once, as after a broker restart) and refuses new ones until `restore()`.
 * Used by the fault tests (test/faults/) and the chaos script (bench/chaos/).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** the port it listens on (127.0.0.1) */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's */
  via(url: string): string;
  /** Drops every connection and refuses new ones (reset at once) until restore(). */
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** connections open through it now */
  readonly open: number;
  /** connections refused while cut */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let cut = false;
  let refused = 0;
  const drop = (pair: { client: Socket; upstream: Socket }): void => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  };
  const server: Server = createServer((client) => {
    if (cut) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({ host: target.host, port: target.port, noDelay: true });
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const s of [client, upstream]) {
      s.on('error', () => drop(pair));
      s.on('close', () => drop(pair));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    via(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.href;
    },
    cut() {
      cut = true;
      for (const pair of [...pairs]) {
        pair.client.resetAndDestroy();
        drop(pair);
      }
    },
    restore() {
      cut = false;
    },
    get isCut() {
      return cut;
    },
    get open() {
      return pairs.size;
    },
    get refused() {
      return refused;
    },
    async close() {
      cut = true;
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
