/**
 * Prometheus metrics of one gateway, from its OWN registry (never prom-client's global one), with
 * the default process metrics (standard names: process_*, nodejs_*). Labels are low-cardinality
 * only: the router's path template (never the raw URL), the method, the status, a command type, an
 * outcome. Never a recipient, account or request id.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Outcome of one RPC: ok (ok reply), error (error reply / invalid reply), timeout, unavailable (bus down, no route, closed). */
export type RpcOutcome = 'ok' | 'error' | 'timeout' | 'unavailable';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly rpcRequests: Counter<'command' | 'outcome'>;
  readonly rpcDuration: Histogram<'command' | 'outcome'>;
  readonly busConnected: Gauge;
  readonly shardCount: Gauge;
  /** Faults outside every handler contained by the process guards (libs/runtime), by kind. */
  readonly uncaughtErrors: Counter<'kind'>;
  /** token_check asked of the directory, by outcome (valid, refused, failed). */
  readonly tokenChecks: Counter<'outcome'>;
  /** Auth notices applied (principal_changed, token_revoked). */
  readonly authNotices: Counter<'type'>;
  /** user_auth / api_auth answered 429, by the limit that was reached (address, account_address, account). */
  readonly authRateLimited: Counter<'limit'>;
  /** The Prometheus text of this registry and of the included ones (embedded mode: the worker's). */
  render(): Promise<string>;
}

/** Every metric name the gateway registers besides the default process metrics (for tests and dashboards). */
export const GATEWAY_METRIC_NAMES = [
  'qubicle_gateway_http_requests_total',
  'qubicle_gateway_http_request_duration_seconds',
  'qubicle_gateway_rpc_requests_total',
  'qubicle_gateway_rpc_duration_seconds',
  'qubicle_gateway_bus_connected',
  'qubicle_gateway_shard_count',
  'qubicle_gateway_uncaught_errors_total',
  'qubicle_gateway_token_checks_total',
  'qubicle_gateway_auth_notices_total',
  'qubicle_gateway_auth_rate_limited_total',
] as const;

export interface GatewayMetricsOptions {
  /** Default process metrics (default true). */
  defaultMetrics?: boolean;
  /** Other registries served on the same /metrics (the embedded worker's); their names must not clash. */
  include?: Registry[];
}

export function createMetrics(opts: GatewayMetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const include = opts.include ?? [];
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
    rpcRequests: new Counter({
      name: 'qubicle_gateway_rpc_requests_total',
      help: 'RPCs to the workers, by command type and outcome (ok, error, timeout, unavailable)',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    }),
    rpcDuration: new Histogram({
      name: 'qubicle_gateway_rpc_duration_seconds',
      help: 'RPC round-trip time to the workers, by command type and outcome',
      labelNames: ['command', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    busConnected: new Gauge({ name: 'qubicle_gateway_bus_connected', help: '1 when the message bus is connected', registers: [registry] }),
    shardCount: new Gauge({ name: 'qubicle_gateway_shard_count', help: 'Shard count in use (0 = not known yet)', registers: [registry] }),
    uncaughtErrors: new Counter({
      name: 'qubicle_gateway_uncaught_errors_total',
      help: 'Errors outside every handler (uncaught_exception, unhandled_rejection) contained and logged instead of ending the process',
      labelNames: ['kind'],
      registers: [registry],
    }),
    tokenChecks: new Counter({
      name: 'qubicle_gateway_token_checks_total',
      help: 'Tokens checked with the directory (token_check), by outcome (valid, refused, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    authNotices: new Counter({
      name: 'qubicle_gateway_auth_notices_total',
      help: 'Auth notices applied to the token cache, by type (principal_changed, token_revoked)',
      labelNames: ['type'],
      registers: [registry],
    }),
    authRateLimited: new Counter({
      name: 'qubicle_gateway_auth_rate_limited_total',
      help: 'Logins (user_auth, api_auth) refused 429 after too many failures, by limit (address, account_address, account)',
      labelNames: ['limit'],
      registers: [registry],
    }),
    async render() {
      if (include.length === 0) return registry.metrics();
      return Registry.merge([registry, ...include]).metrics();
    },
  };
}
