/**
 * The worker's operations endpoint on METRICS_PORT (a tiny node:http server, no framework):
 *   GET /metrics  Prometheus text of the worker's registry
 *   GET /healthz  200 {status:'ok', node} while the process runs
 *   GET /readyz   200 {status:'ok', node} when taking part, else 503 {status:'unavailable', reasons, node}
 * Anything else: 404; a method other than GET/HEAD: 405.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@qubicle/transport';
import type { Registry } from 'prom-client';

export const OPS_PATHS = { metrics: '/metrics', healthz: '/healthz', readyz: '/readyz' } as const;

export interface OpsServerOptions {
  port: number;
  /** default 0.0.0.0 */
  host?: string;
  node: string;
  registry: Pick<Registry, 'metrics' | 'contentType'>;
  /** Reasons the process is not ready ([] = ready). */
  readiness(): Promise<string[]>;
  logger: Logger;
}

export interface OpsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return json(res, 405, { status: 'error', message: 'method not allowed' });
      }
      switch (path) {
        case OPS_PATHS.healthz:
          return json(res, 200, { status: 'ok', node: opts.node });
        case OPS_PATHS.readyz: {
          const reasons = await opts.readiness();
          return reasons.length === 0
            ? json(res, 200, { status: 'ok', node: opts.node })
            : json(res, 503, { status: 'unavailable', reasons, node: opts.node });
        }
        case OPS_PATHS.metrics: {
          const text = await opts.registry.metrics();
          res.writeHead(200, { 'Content-Type': opts.registry.contentType });
          return res.end(text);
        }
        default:
          return json(res, 404, { status: 'error', message: 'not found' });
      }
    })().catch((err: unknown) => {
      opts.logger.error({ err, path: req.url }, 'ops endpoint failed');
      if (!res.headersSent) json(res, 500, { status: 'error', message: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.address;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  opts.logger.info({ url }, 'metrics and health endpoint listening');
  let closed: Promise<void> | undefined;
  return {
    url,
    port: addr.port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
