/**
 * Micro-benchmark of the gateway's route match on the hottest read, GET …/qubicle_recipients/{id}/status
 * (the read-model path: no bus round trip, so the router's share of its CPU shows). @koa/router
 * tests every layer's regexp on every request whatever the registration order, so each route
 * added costs every request: 25 layers at ebaa5bc, 37 once the queue routes came (2.2–2.6 µs
 * → 3.8–4.4 µs a match on the 2-core bench machine: +1.3–1.9 µs, under 2 % of the gateway's
 * ~0.1 ms of CPU per GET status).
 * Not part of `npm run bench` (no service involved):
 *
 *   npx tsx --conditions=source bench/micro/router-match.ts
 *
 * Prints the layer count and ns per match, best of five rounds.
 */
import type { Logger } from '@qubicle/transport';
import { buildApp } from '../../services/api-gateway/src/app.js';
import { loadGatewayConfig } from '../../services/api-gateway/src/config.js';

const ID = 'a'.repeat(32);
const PATH = `/v2/accounts/${ID}/qubicle_recipients/${'b'.repeat(32)}/status`;
const ROUNDS = 5;
const ITERATIONS = 300_000;

// the router only: nothing is called, logged or listened on
const silent: Logger = new Proxy({} as Logger, { get: (_t, key) => (key === 'child' ? () => silent : () => undefined) });
const config = loadGatewayConfig({ AUTH_TOKEN_SECRET: 'bench-secret-bench-secret-bench-secret-0123', NODE_NAME: 'api-gateway@bench' });
const { router } = buildApp({ bus: { call: () => Promise.reject(new Error('not used')), isConnected: () => true }, config, logger: silent });

let best = Number.POSITIVE_INFINITY;
let matched = 0;
for (let round = 0; round < ROUNDS; round++) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) matched += router.match(PATH, 'GET').pathAndMethod.length;
  best = Math.min(best, Number(process.hrtime.bigint() - started) / ITERATIONS);
}
if (matched === 0) throw new Error(`no route matched ${PATH}`);
console.log(`layers ${router.stack.length}, GET status match ${best.toFixed(0)} ns (best of ${ROUNDS} × ${ITERATIONS})`);
