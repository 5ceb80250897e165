/**
 * Property-based fuzz of EVERY HTTP route of the gateway (issue 11), against the real listening
 * gateway over RabbitMQ. One row per route of the gateway's router; a route without a row fails
 * the suite (the routes are read from the router itself), so a route added later cannot be left
 * out. Each case sends a hostile body (support/hostile.ts: prototype keys, deep nesting, wrong
 * types, huge lists, unicode, duplicated keys), and sometimes a hostile path parameter, query
 * string or X-Request-ID, with the admin's or the watched agent's token, and asserts: no 5xx; a
 * Crossbar envelope; a refusal (4xx) for a body the route reads, exactly 400 "invalid request
 * body" for a refused key or nesting; an error not much larger than a few KB; the watched
 * recipient's status and the account's users unchanged; no prototype touched.
 *
 * `npm test`: FUZZ_RUNS (25) cases per row, fixed FUZZ_SEED. `npm run fuzz`: more (README).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CLIENT_JSON_MAX_DEPTH, newKazooId } from '@qubicle/contracts';
import { buildApp, loadGatewayConfig } from '@qubicle/api-gateway';
import { md5, type ApiResponse } from '../support/system.js';
import { hostileParams, hostileText, hostileWord, type Json } from './support/hostile.js';
import { fuzzParams, rowTimeout } from './support/config.js';
import { fuzzWorld, type FuzzWorld } from './support/world.js';

type Token = 'admin' | 'agent' | 'none';

interface HttpRow {
  /** the valid bodies it is made hostile from (one per request the route takes); absent = the route reads no body */
  body?: (w: FuzzWorld) => object[];
  /** `:id` / `:user_id`: the watched recipient, or an id nobody has (routes that would change something) */
  target: 'watched' | 'absent';
  /** who asks (default: both the admin and the watched agent) */
  tokens?: Token[];
  /** not a Crossbar route (health, metrics, static files) */
  plain?: true;
}

const R = '/v2/accounts/:account_id/qubicle_recipients';
const U = '/v2/accounts/:account_id/users';
const Q = '/v2/accounts/:account_id/qubicle_queues';
const AR = '/v2/accounts/:account_id/qubicle_away_reasons';
/** A reason name nobody has: a write that got through would change nothing anybody uses. */
const ABSENT_REASON = 'fuzz_absent';
const reasonWrite = (): object => ({ label: 'Fuzz', productive: false, max_duration_seconds: 60, on_max: 'alert' });
const queueWrite = (): object => ({ queue_name: 'Fuzz queue', agent_connect_timeout: 15, queue_router: 'route_least_offers', tick_time: 500, timeout_immediately_if_empty: true });
const userWrite = (): object => ({ first_name: 'Eve', last_name: 'Hostile', username: `eve-${newKazooId().slice(0, 8)}`, password: 'hostile-pw', email: 'eve@example.com', priv_level: 'user', enabled: true, qubicle: { enabled: true, permissions: { monitor: false } } });

/** One row per `METHOD path` of the gateway's router. */
const ROWS: Record<string, HttpRow> = {
  'GET /healthz': { target: 'absent', plain: true },
  'GET /readyz': { target: 'absent', plain: true },
  'GET /metrics': { target: 'absent', plain: true },
  'GET /wallboard': { target: 'absent', plain: true },
  'GET /wallboard/:file': { target: 'absent', plain: true },
  'PUT /v2/user_auth': { target: 'absent', tokens: ['none'], body: (w) => [{ data: { credentials: md5(`nobody:${w.absent}`), account_name: w.t.name, method: 'md5' } }] },
  // with no token only: a hostile body must not end the admin's or the agent's token the suite uses
  'DELETE /v2/token_auth': { target: 'absent', tokens: ['none'] },
  'PUT /v2/api_auth': { target: 'absent', tokens: ['none'], body: () => [{ data: { api_key: 'ab'.repeat(32) } }] },
  [`GET ${R}`]: { target: 'watched' },
  [`POST ${R}/status`]: { target: 'watched', body: (w) => [{ data: { recipient_ids: [w.agent.id, w.absent] } }, { data: { set_status: true, [w.agent.id]: { global: 'away', [w.queue]: 'ready' } } }] },
  [`GET ${R}/:id`]: { target: 'watched' },
  [`POST ${R}/:id`]: { target: 'watched', body: (w) => [{ data: { action: 'monitor', target: w.absent, mode: 'whisper' }, accept_charges: true }, { data: { action: 'logout' } }] },
  [`GET ${R}/:id/status`]: { target: 'watched' },
  [`POST ${R}/:id/status`]: {
    target: 'watched',
    body: (w) => [{ data: { status: 'ready', queue_id: w.queue } }, { data: { status: 'logout' } }, { data: { status: 'away', reason: 'missed_calls', duration_seconds: 60 } }],
  },
  [`GET ${R}/:id/sessions`]: { target: 'watched' },
  [`GET ${R}/:id/summary`]: { target: 'watched' },
  [`GET ${R}/audit`]: { target: 'absent' },
  [`GET ${R}/:id/audit`]: { target: 'watched' },
  [`POST ${R}/:id/enable`]: { target: 'absent', tokens: ['admin'] },
  [`POST ${R}/:id/disable`]: { target: 'absent', tokens: ['admin'] },
  [`GET ${U}`]: { target: 'watched' },
  [`PUT ${U}`]: { target: 'absent', body: () => [{ data: userWrite() }] },
  [`GET ${U}/:user_id`]: { target: 'watched' },
  [`POST ${U}/:user_id`]: { target: 'watched', body: () => [{ data: userWrite() }] },
  [`PATCH ${U}/:user_id`]: { target: 'watched', body: () => [{ data: { first_name: 'Patched', qubicle: { enabled: false } } }] },
  [`DELETE ${U}/:user_id`]: { target: 'absent', tokens: ['admin'] },
  [`GET ${Q}`]: { target: 'absent' },
  [`PUT ${Q}`]: { target: 'absent', body: () => [{ data: queueWrite() }] },
  [`GET ${Q}/recipients`]: { target: 'absent' },
  [`GET ${Q}/:id`]: { target: 'absent' },
  [`POST ${Q}/:id`]: { target: 'absent', body: () => [{ data: queueWrite() }] },
  [`PATCH ${Q}/:id`]: { target: 'absent', body: () => [{ data: { queue_timeout: 60, force_away_on_reject: true } }] },
  [`DELETE ${Q}/:id`]: { target: 'absent' },
  [`GET ${Q}/:id/recipients`]: { target: 'absent' },
  [`POST ${Q}/:id/recipients`]: { target: 'absent', body: (w) => [{ data: [w.agent.id] }, { data: { recipients: [w.agent.id] } }] },
  [`DELETE ${Q}/:id/recipients`]: { target: 'absent' },
  [`POST ${Q}/:id/roles`]: { target: 'absent', body: (w) => [{ data: { managers: [w.agent.id] } }] },
  // the running queues (routes/queue-process.ts); the world's ids have no queue: nothing to act on
  [`GET ${Q}/status`]: { target: 'absent' },
  [`GET ${Q}/ensure_started`]: { target: 'absent' },
  [`GET ${Q}/:id/status`]: { target: 'absent' },
  [`GET ${Q}/:id/sessions`]: { target: 'absent' },
  [`POST ${Q}/:id/sessions/:session_id`]: { target: 'absent', body: (w) => [{ data: { action: 'assign', recipient_id: w.agent.id } }, { data: { action: 'remove' } }] },
  [`POST ${R}/queue_membership`]: { target: 'watched', body: (w) => [{ data: { recipient_ids: [w.agent.id, w.absent] } }] },
  // the away-reason catalogue (routes/away-reasons.ts)
  [`GET ${AR}`]: { target: 'absent' },
  [`PUT ${AR}`]: { target: 'absent', body: () => [{ data: { name: ABSENT_REASON, ...reasonWrite() } }] },
  [`GET ${AR}/:reason_name`]: { target: 'absent' },
  [`POST ${AR}/:reason_name`]: { target: 'absent', body: () => [{ data: reasonWrite() }] },
  [`PATCH ${AR}/:reason_name`]: { target: 'absent', body: () => [{ data: { max_duration_seconds: null, on_max: null } }] },
  [`DELETE ${AR}/:reason_name`]: { target: 'absent', tokens: ['admin'] },
  ['GET /v2/accounts/:account_id']: { target: 'watched' },
  ['GET /v2/qubicle/cluster']: { target: 'watched' },
};

/** `METHOD path` of every route of the gateway's router (HEAD is GET's). */
function routerRoutes(): string[] {
  const { router } = buildApp({
    bus: { call: () => Promise.reject(new Error('not called')), isConnected: () => false },
    config: loadGatewayConfig({ AUTH_TOKEN_SECRET: 'fuzz-route-listing-0123456789abcdef0123' }),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  return router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path}`));
}

const ENVELOPE_KEYS = ['auth_token', 'data', 'error', 'message', 'request_id', 'status'];
/** Largest error answer accepted (issue 11: 0.8 MB of bad ids answered 40.7 MB). */
const MAX_ERROR_BYTES = 16 * 1024;

function assertCrossbar(res: ApiResponse, what: string): void {
  assert.equal(res.headers.get('content-type'), 'application/json', what);
  assert.equal(typeof res.body, 'object', `${what}: not JSON: ${res.text.slice(0, 200)}`);
  assert.match(String(res.body.request_id), /^[A-Za-z0-9._:-]{1,128}$/, what);
  if (res.status >= 400) {
    assert.deepEqual(Object.keys(res.body).sort(), ENVELOPE_KEYS, what);
    assert.equal(res.body.status, 'error', what);
    assert.equal(res.body.error, String(res.status), what);
    assert.ok(res.text.length <= MAX_ERROR_BYTES, `${what}: a ${res.text.length}-byte error`);
  } else assert.equal(res.body.status, 'success', what);
}

describe('fuzz: every HTTP route of the gateway, hostile input (real gateway, real RabbitMQ)', function () {
  let w: FuzzWorld;
  let usersRevision: () => Promise<string>;
  before(async function () {
    this.timeout(60_000);
    w = await fuzzWorld();
    usersRevision = async () => {
      const res = await w.sys.api('GET', `/v2/accounts/${w.t.accountId}/users`, undefined, w.t.adminToken);
      assert.equal(res.status, 200, res.text);
      return String(res.body.revision);
    };
  });

  it('every route of the router has a fuzz row, and every row a route', () => {
    const routes = routerRoutes();
    assert.deepEqual(routes.filter((r) => !(r in ROWS)), [], 'routes without a fuzz row: add one to ROWS');
    assert.deepEqual(Object.keys(ROWS).filter((r) => !routes.includes(r)), [], 'rows of routes that no longer exist');
  });

  for (const [route, row] of Object.entries(ROWS)) {
    it(`${route}`, async function () {
      this.timeout(rowTimeout(400));
      const [method, template] = route.split(' ') as [string, string];
      const tokens = row.tokens ?? ['admin', 'agent'];
      const usersBefore = await usersRevision();
      const arb = fc.record({
        hostile: hostileParams,
        variant: fc.nat(),
        token: fc.constantFrom(...tokens),
        badParam: fc.option(hostileWord, { freq: 5 }),
        query: fc.option(fc.array(fc.tuple(hostileWord, hostileWord), { minLength: 1, maxLength: 4 }), { freq: 3 }),
        requestId: fc.option(hostileWord, { freq: 4 }),
        // the write conditions of the recipient API (and If-Match of users and queues)
        idempotencyKey: fc.option(hostileWord, { freq: 4 }),
        ifMatch: fc.option(hostileWord, { freq: 4 }),
      });
      await fc.assert(
        fc.asyncProperty(arb, async (c) => {
          const id = row.target === 'watched' ? w.agent.id : w.absent;
          let path = template.replace(':session_id', `fuzz-${w.absent}`).replace(':account_id', w.t.accountId).replace(':id', id).replace(':user_id', id).replace(':file', 'index.html');
          if (c.badParam !== null && /:(id|user_id)\b/.test(template)) path = path.replace(id, encodeURIComponent(c.badParam) || '%20');
          path = path.replace(':reason_name', c.badParam !== null ? encodeURIComponent(c.badParam) || '%20' : ABSENT_REASON);
          if (c.query) path += `?${c.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
          const templates = (row.body?.(w) ?? [{ data: { x: 1 } }]) as Json[];
          const hostile = hostileText(templates[c.variant % templates.length]!, c.hostile, CLIENT_JSON_MAX_DEPTH);
          const token = c.token === 'admin' ? w.t.adminToken : c.token === 'agent' ? w.agent.token : null;
          const printable = (v: string) => v.replace(/[^\x20-\x7e]/g, '?');
          const headers: Record<string, string> = c.requestId !== null ? { 'X-Request-ID': printable(c.requestId) } : {};
          if (c.idempotencyKey !== null) headers['Idempotency-Key'] = printable(c.idempotencyKey);
          if (c.ifMatch !== null) headers['If-Match'] = printable(c.ifMatch);
          const sendsBody = method !== 'GET';
          const what = `${route} (${c.hostile.poison} at ${JSON.stringify(c.hostile.at)}) ${hostile.text.slice(0, 160)}`;
          const res = await w.sys.api(method, path, sendsBody ? hostile.text : undefined, token, headers);

          assert.ok(res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
          if (!row.plain) assertCrossbar(res, what);
          if (sendsBody && (hostile.poison === 'proto' || hostile.poison === 'deep')) {
            // refused at the parse, before anything else looks at the request
            assert.equal(res.status, 400, `${what}: ${res.text.slice(0, 300)}`);
            assert.equal(res.body.message, 'invalid request body', what);
          } else if (row.body) {
            assert.ok(res.status >= 400, `${what}: a hostile body was accepted: ${res.status} ${res.text.slice(0, 300)}`);
          }
          await w.assertUnchanged(what);
        }),
        fuzzParams(route),
      );
      assert.equal(await usersRevision(), usersBefore, `${route}: the account's users changed`);
    });
  }
});
