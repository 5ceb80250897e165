/**
 * The HTTP load generator: autocannon (a maintained, Node-native load tool with HDR-histogram
 * latencies, fixed duration or fixed amount, dynamic requests), run in this process on loopback.
 * Each run is bounded (duration or amount) and stops by itself; a short warm-up precedes it.
 * CPU of the named processes (the services, the broker) is measured over the measured run only.
 */
import autocannon from 'autocannon';
import { cpuMeter } from './processes.js';

export interface LoadSpec {
  url: string;
  connections: number;
  /** seconds of measured load (ignored when `amount` is given) */
  durationS?: number;
  /** a fixed number of requests instead of a duration */
  amount?: number;
  /** seconds of unmeasured load first (JIT, caches, connection pools) */
  warmupS?: number;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** per request (round-robin state lives in the caller's closure) */
  next?: () => { path: string; method?: 'GET' | 'POST' | 'PUT'; body?: string };
  /** service processes whose CPU is counted */
  pids: number[];
  /** their names, same order: each also gets its own CPU figure (where the time goes) */
  names?: string[];
  /** the broker's pid (its CPU is reported separately), if known */
  brokerPid?: number | undefined;
  /** per-request timeout (s) */
  timeoutS?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  /** completed requests per second */
  rps: number;
  p50: number;
  p99: number;
  /** non-2xx responses + errors + timeouts */
  failures: number;
  statusCounts: Record<string, number>;
  /** CPU seconds of the service processes per 1,000 requests */
  cpuPer1k: number;
  /** CPU seconds of the broker per 1,000 requests (NaN when unknown) */
  brokerCpuPer1k: number;
  /** CPU seconds per 1,000 requests of each named service process */
  cpuPer1kBy: Record<string, number>;
}

function runOnce(spec: LoadSpec, opts: { durationS?: number; amount?: number }): Promise<autocannon.Result> {
  const headers = { ...(spec.body || spec.next ? { 'content-type': 'application/json' } : {}), ...spec.headers };
  const request: autocannon.Request = { method: spec.method ?? 'GET', headers, ...(spec.body !== undefined ? { body: spec.body } : {}) };
  if (spec.next) {
    const next = spec.next;
    request.setupRequest = (req) => {
      const n = next();
      return { ...req, path: n.path, method: n.method ?? spec.method ?? 'GET', ...(n.body !== undefined ? { body: n.body } : {}) };
    };
  }
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationS ?? 10 }),
        requests: [request],
        timeout: spec.timeoutS ?? 30,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** Warm-up, then the measured run; CPU of `pids` (and the broker) over the measured run. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  if ((spec.warmupS ?? 0) > 0 && spec.amount === undefined) await runOnce(spec, { durationS: spec.warmupS! });
  const cpu = cpuMeter(spec.pids);
  const perProcess = (spec.names ?? []).map((name, i) => ({ name, meter: cpuMeter([spec.pids[i]!]) }));
  const broker = spec.brokerPid !== undefined ? cpuMeter([spec.brokerPid]) : undefined;
  const started = performance.now();
  const r = await runOnce(spec, spec.amount !== undefined ? { amount: spec.amount } : { durationS: spec.durationS ?? 10 });
  const seconds = (performance.now() - started) / 1000;
  const cpuS = cpu.stop();
  const brokerS = broker ? broker.stop() : Number.NaN;
  const ok = r['2xx'];
  const cpuPer1kBy: Record<string, number> = {};
  for (const m of perProcess) cpuPer1kBy[m.name] = ok > 0 ? m.meter.stop() / (ok / 1000) : Number.NaN;
  const statusCounts: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCounts[code] = (s as { count: number }).count;
  return {
    requests: ok,
    seconds,
    rps: ok / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    failures: r.non2xx + r.errors + r.timeouts,
    statusCounts,
    cpuPer1k: ok > 0 ? cpuS / (ok / 1000) : Number.NaN,
    brokerCpuPer1k: ok > 0 ? brokerS / (ok / 1000) : Number.NaN,
    cpuPer1kBy,
  };
}

export interface ProbeResult {
  requests: number;
  p50: number;
  p99: number;
  failures: number;
}

/**
 * Latency at a fixed concurrency with 10 µs resolution (autocannon's histogram counts whole
 * milliseconds, too coarse to compare a 1 ms request with a 3 ms one): `concurrency` closed loops
 * over keep-alive connections (node:http) for `durationS`, after `warmupS` unmeasured.
 */
export async function latencyProbe(spec: {
  url: string;
  concurrency: number;
  durationS: number;
  warmupS?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  next?: () => string;
}): Promise<ProbeResult> {
  const { request, Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const base = new URL(spec.url);
  const BUCKET_MS = 0.01;
  const hist = new Uint32Array(1_000_000);
  let measuring = false;
  let stop = false;
  let requests = 0;
  let failures = 0;
  const one = (path: string) =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = request(
        { host: base.hostname, port: base.port, path, method: spec.method ?? 'GET', agent, headers: { ...spec.headers, ...(spec.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(spec.body) } : {}) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (measuring) {
              if (res.statusCode === 200) {
                requests++;
                hist[Math.min(hist.length - 1, Math.floor((performance.now() - started) / BUCKET_MS))]!++;
              } else failures++;
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        if (measuring) failures++;
        resolve();
      });
      req.end(spec.body);
    });
  const loop = async () => {
    while (!stop) await one(spec.next ? spec.next() : base.pathname + base.search);
  };
  const loops = Array.from({ length: spec.concurrency }, loop);
  await new Promise((r) => setTimeout(r, (spec.warmupS ?? 1) * 1000));
  measuring = true;
  await new Promise((r) => setTimeout(r, spec.durationS * 1000));
  measuring = false;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  const pct = (q: number) => {
    const want = Math.max(1, Math.ceil(requests * q));
    let seen = 0;
    for (let i = 0; i < hist.length; i++) {
      seen += hist[i]!;
      if (seen >= want) return (i + 1) * BUCKET_MS;
    }
    return hist.length * BUCKET_MS;
  };
  return { requests, p50: requests ? pct(0.5) : Number.NaN, p99: requests ? pct(0.99) : Number.NaN, failures };
}
