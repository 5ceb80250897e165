/** Prometheus metrics of one gateway (own registry; labels never name a recipient or account). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly busConnected: Gauge;
  readonly shardCount: Gauge;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'qubicle_gateway_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'qubicle_gateway_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'qubicle_gateway_http_request_duration_seconds',
      help: 'HTTP request duration, by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    busConnected: new Gauge({ name: 'qubicle_gateway_bus_connected', help: '1 when the message bus is connected', registers: [registry] }),
    shardCount: new Gauge({ name: 'qubicle_gateway_shard_count', help: 'Shard count in use (0 = not known yet)', registers: [registry] }),
  };
}
