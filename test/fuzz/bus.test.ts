/**
 * Property-based fuzz of EVERY bus message (issue 11), sent raw (amqplib, as anything on the vhost
 * could) to the real worker and gateway over RabbitMQ: each shard command, each message to a
 * running queue, KAZOO's session messages (answered in KAZOO's reply format), each directory
 * request, each cluster control message, the presence ping, the gateways' event feed batch and a recipient
 * event. One row per message type of the contracts' type lists; a type without a row fails the
 * suite. Each case is a hostile text (support/hostile.ts) and asserts: an RPC answers an error reply
 * of the contract's shape (`invalid_message`), a fire-and-forget or broadcast message is dropped;
 * the worker still answers a valid get_status, the watched recipient's status is unchanged, no
 * prototype is touched.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  AUTH_EXCHANGE,
  BUS_JSON_MAX_DEPTH,
  authNoticeKey,
  authNoticeSchema,
  CLUSTER_CONTROL_TYPES,
  CONTROL_EXCHANGE,
  DIRECTORY_QUEUE,
  DIRECTORY_REQUEST_TYPES,
  EVENTS_EXCHANGE,
  FEED_EXCHANGE,
  SHARD_MESSAGE_TYPES,
  QUEUE_MESSAGE_TYPES,
  QUEUE_SESSIONS_QUEUE,
  clusterControlKey,
  newKazooId,
  presenceQueue,
  recipientEventKey,
  shardOf,
  shardQueue,
  validateCreateSessionReply,
  validateDeleteSessionReply,
  validateJoinQueueReply,
  validateRpcReply,
} from '@qubicle/contracts';
import { md5 } from '../support/system.js';
import { hostileParams, hostileText, type Json } from './support/hostile.js';
import { fuzzParams, rowTimeout } from './support/config.js';
import type { RawBus } from './support/raw-bus.js';
import type { FuzzWorld } from './support/world.js';
import { fuzzBusSuite } from './support/suite.js';

/** The worker of test/support/system.ts. */
const WORKER_NODE = 'e2e-worker';

interface BusRow {
  /** the valid message it is made hostile from */
  template: (w: FuzzWorld) => object;
  /** where it goes: an RPC queue (answered), or an exchange and routing key (nobody answers) */
  to: (w: FuzzWorld) => { queue: string } | { exchange: string; routingKey: string };
  /** KAZOO's session messages are answered in KAZOO's reply format, not the RPC envelope */
  kazoo?: true;
}

const commandId = () => `fuzz-${newKazooId()}`;
const base = (w: FuzzWorld) => ({ command_id: commandId(), account_id: w.t.accountId, recipient_id: w.agent.id, shard_count: w.sys.shardCount, by: { service: 'fuzz' } });
const shardOfAgent = (w: FuzzWorld) => ({ queue: shardQueue(shardOf(w.t.accountId, w.agent.id, w.sys.shardCount)) });
const call = (w: FuzzWorld) => ({ queue_id: w.queue, session_id: `fuzz-${w.absent}`, caller_id_name: 'Hostile Caller', caller_id_number: '+15550100', queue_enter_time: 1_700_000_000 });
const directory = () => ({ queue: DIRECTORY_QUEUE });
const queueWrite = () => ({ queue_name: 'Fuzz queue', agent_connect_timeout: 15, queue_router: 'route_least_offers', tick_time: 500, timeout_immediately_if_empty: true });
const user = () => ({ first_name: 'Eve', last_name: 'Bus', username: `eve-${newKazooId().slice(0, 8)}`, password: 'hostile-pw', qubicle: { enabled: true } });

/** An event of a recipient and account nobody has: even delivered, it shows nowhere. */
const event = (accountId: string, recipientId: string) => ({
  event: 'ready',
  account_id: accountId,
  recipient_id: recipientId,
  seq: 7,
  timestamp: 1_700_000_000_000,
  node: 'fuzz-node',
  status: {
    available: true,
    availability_state: 'Ready',
    queue_availability: { [newKazooId()]: false },
    wrapup_time_seconds: 0,
    stats: { total_calls: 1, missed_calls: 0, avg_call_time: 3, login_time: 1_700_000_000, last_action_time: 1_700_000_000, last_handled_time: 0 },
    node: 'fuzz-node',
  },
  reason: 'fuzz',
});

const SHARD_TEMPLATES: Record<string, (w: FuzzWorld) => object> = {
  login: (w) => ({ type: 'login', ...base(w) }),
  logout: (w) => ({ type: 'logout', ...base(w), reason: 'fuzz' }),
  set_status: (w) => ({ type: 'set_status', ...base(w), status: 'away', queue_id: w.queue, reason: 'missed_calls', expected_revision: 1, audit_reason: 'fuzz' }),
  wrapup_extend: (w) => ({ type: 'wrapup_extend', ...base(w) }),
  wrapup_cancel: (w) => ({ type: 'wrapup_cancel', ...base(w) }),
  monitor: (w) => ({ type: 'monitor', ...base(w), target_id: w.absent, mode: 'barge' }),
  monitor_stop: (w) => ({ type: 'monitor_stop', ...base(w) }),
  get_status: (w) => ({ type: 'get_status', ...base(w) }),
  offer: (w) => ({ type: 'offer', ...base(w), call: call(w), offer_timeout_seconds: 30, wrapup_seconds: 10 }),
  answer: (w) => ({ type: 'answer', ...base(w), session_id: `fuzz-${w.absent}` }),
  reject: (w) => ({ type: 'reject', ...base(w), session_id: `fuzz-${w.absent}` }),
  withdraw: (w) => ({ type: 'withdraw', ...base(w), session_id: `fuzz-${w.absent}`, reason: 'caller_hangup' }),
  hangup: (w) => ({ type: 'hangup', ...base(w), session_id: `fuzz-${w.absent}` }),
  get_status_many: (w) => ({ type: 'get_status_many', command_id: commandId(), account_id: w.t.accountId, recipient_ids: [w.agent.id], shard_count: w.sys.shardCount }),
  get_snapshot: (w) => ({ type: 'get_snapshot', command_id: commandId(), account_id: w.t.accountId, recipient_ids: [w.agent.id], shard_count: w.sys.shardCount }),
};

/** Messages to a running queue: to the queue's shard (the world's queue has no document: unknown_queue at most). */
const queueBase = (w: FuzzWorld) => ({ command_id: commandId(), account_id: w.t.accountId, shard_count: w.sys.shardCount });
const shardOfQueue = (w: FuzzWorld) => ({ queue: shardQueue(shardOf(w.t.accountId, w.queue, w.sys.shardCount)) });
const QUEUE_TEMPLATES: Record<string, (w: FuzzWorld) => object> = {
  get_queue_status: (w) => ({ type: 'get_queue_status', ...queueBase(w), queue_ids: [w.queue] }),
  list_queue_sessions: (w) => ({ type: 'list_queue_sessions', ...queueBase(w), queue_id: w.queue }),
  queue_session_action: (w) => ({ type: 'queue_session_action', ...queueBase(w), queue_id: w.queue, session_id: `fuzz-${w.absent}`, action: 'remove' }),
  ensure_queues_started: (w) => ({ type: 'ensure_queues_started', ...queueBase(w), queue_ids: [w.queue] }),
  queue_join: (w) => ({ type: 'queue_join', ...queueBase(w), queue_id: w.queue, session_id: `fuzz-${w.absent}`, call_id: `fuzz-${w.absent}`, caller_id_name: 'Hostile', caller_id_number: '+15550100', priority: 0 }),
  queue_hangup: (w) => ({ type: 'queue_hangup', ...queueBase(w), queue_id: w.queue, session_id: `fuzz-${w.absent}` }),
  // the world's queue has no document: even applied, it stops nothing
  stop_queue: (w) => ({ type: 'stop_queue', ...queueBase(w), queue_id: w.queue }),
  // to the owner of the call's session (shardOfCall): a call nobody has
  session_request: (w) => ({ type: 'session_request', ...queueBase(w), kind: 'join_queue', call_id: `fuzz-${w.absent}`, msg_id: `fuzz-${w.absent}`, session_id: `fuzz-${w.absent}`, queue_id: w.queue, priority: 3 }),
  session_report: (w) => ({ type: 'session_report', ...queueBase(w), call_id: `fuzz-${w.absent}`, session_id: `fuzz-${w.absent}`, queue_id: w.queue, report: 'delivered', recipient_id: w.agent.id }),
};
/** Messages to a caller session go to the shard of its call, not of a queue. */
const SESSION_SHARD_MESSAGES = new Set(['session_request', 'session_report']);
const shardOfCall = (w: FuzzWorld) => ({ queue: shardQueue(shardOf(w.t.accountId, `fuzz-${w.absent}`, w.sys.shardCount)) });

const DIRECTORY_TEMPLATES: Record<string, (w: FuzzWorld) => object> = {
  auth_user: (w) => ({ type: 'auth_user', credentials: md5(`nobody:${w.absent}`), account_name: w.t.name }),
  auth_api: () => ({ type: 'auth_api', api_key: 'cd'.repeat(32) }),
  account_get: (w) => ({ type: 'account_get', account_id: w.t.accountId }),
  user_list: (w) => ({ type: 'user_list', account_id: w.t.accountId }),
  user_get: (w) => ({ type: 'user_get', account_id: w.t.accountId, user_id: w.agent.id }),
  user_create: (w) => ({ type: 'user_create', account_id: w.t.accountId, user: user() }),
  user_update: (w) => ({ type: 'user_update', account_id: w.t.accountId, user_id: w.agent.id, user: user(), rev: '1-abc' }),
  user_patch: (w) => ({ type: 'user_patch', account_id: w.t.accountId, user_id: w.agent.id, patch: { first_name: 'Patched', enabled: false } }),
  user_delete: (w) => ({ type: 'user_delete', account_id: w.t.accountId, user_id: w.agent.id }),
  recipient_list: (w) => ({ type: 'recipient_list', account_id: w.t.accountId }),
  recipient_get: (w) => ({ type: 'recipient_get', account_id: w.t.accountId, recipient_id: w.agent.id }),
  recipient_set_enabled: (w) => ({ type: 'recipient_set_enabled', account_id: w.t.accountId, recipient_id: w.agent.id, enabled: false }),
  cluster_info: () => ({ type: 'cluster_info' }),
  cluster_view: () => ({ type: 'cluster_view' }),
  session_list: (w) => ({ type: 'session_list', account_id: w.t.accountId, recipient_id: w.agent.id, limit: 10, start_key: '1700000000:abc' }),
  audit_list: (w) => ({ type: 'audit_list', account_id: w.t.accountId, recipient_id: w.agent.id, actor: { kind: 'user', id: w.agent.id }, created_from: 1_700_000_000, created_to: 1_800_000_000, limit: 10, start_key: `1700000000000:${w.agent.id}:1` }),
  account_find: (w) => ({ type: 'account_find', name: w.t.name }),
  token_check: (w) => ({ type: 'token_check', account_id: w.t.accountId, user_id: w.absent, token_id: `fuzz-${w.absent}`, token_generation: 0, priv_level: 'user' }),
  // a jti nobody was ever given: even applied, it ends no token
  token_revoke: (w) => ({ type: 'token_revoke', account_id: w.t.accountId, token_id: `fuzz-${newKazooId()}`, expires_at: 1_700_000_000_000 }),
  // queues: ids nobody has (even applied, a write changes nothing); no nullable field in the templates
  queue_list: (w) => ({ type: 'queue_list', account_id: w.t.accountId }),
  queue_get: (w) => ({ type: 'queue_get', account_id: w.t.accountId, queue_id: w.absent }),
  queue_create: (w) => ({ type: 'queue_create', account_id: w.absent, queue: queueWrite() }),
  queue_update: (w) => ({ type: 'queue_update', account_id: w.t.accountId, queue_id: w.absent, queue: queueWrite(), rev: '1-abc' }),
  queue_patch: (w) => ({ type: 'queue_patch', account_id: w.t.accountId, queue_id: w.absent, patch: { queue_timeout: 60, force_away_on_reject: true } }),
  queue_delete: (w) => ({ type: 'queue_delete', account_id: w.t.accountId, queue_id: w.absent }),
  queue_roster_get: (w) => ({ type: 'queue_roster_get', account_id: w.t.accountId, queue_id: w.absent }),
  queue_roster_set: (w) => ({ type: 'queue_roster_set', account_id: w.t.accountId, queue_id: w.absent, recipients: [w.agent.id] }),
  queue_roster_clear: (w) => ({ type: 'queue_roster_clear', account_id: w.t.accountId, queue_id: w.absent }),
  queue_roster_all: (w) => ({ type: 'queue_roster_all', account_id: w.t.accountId }),
  queue_membership: (w) => ({ type: 'queue_membership', account_id: w.t.accountId, recipient_ids: [w.agent.id, w.absent] }),
  queue_roles_get: (w) => ({ type: 'queue_roles_get', account_id: w.t.accountId, queue_id: w.absent }),
  queue_roles_set: (w) => ({ type: 'queue_roles_set', account_id: w.t.accountId, queue_id: w.absent, roles: { managers: [w.agent.id] } }),
  // the away-reason catalogue: an account nobody has (even applied, a write changes nothing)
  away_reason_list: (w) => ({ type: 'away_reason_list', account_id: w.absent }),
  away_reason_write: (w) => ({ type: 'away_reason_write', account_id: w.absent, op: 'create', name: 'fuzz_reason', fields: { label: 'Fuzz', productive: true, max_duration_seconds: 60, on_max: 'ready' } }),
  away_reason_delete: (w) => ({ type: 'away_reason_delete', account_id: w.absent, name: 'fuzz_reason' }),
  recipient_summary: (w) => ({ type: 'recipient_summary', account_id: w.t.accountId, recipient_id: w.agent.id, date: '2026-01-31' }),
};

/**
 * KAZOO's qubicle_session messages (qubicle.queue.sessions): only fields the contracts check, so that
 * every poison lands on a checked field; ids nobody has (even applied, nothing shows anywhere).
 */
const kazooCall = () => ({ 'Call-ID': `fuzz-${newKazooId()}`, 'Caller-ID-Name': 'Hostile', 'Caller-ID-Number': '+15550100' });
const SESSION_TEMPLATES: Record<string, (w: FuzzWorld) => object> = {
  create_session: (w) => ({ 'Msg-ID': `fuzz-${newKazooId()}`, 'Account-ID': w.absent, Call: kazooCall(), 'Call-ID': `fuzz-${w.absent}`, 'Session-Type': 'callflow' }),
  join_queue: (w) => ({ 'Msg-ID': `fuzz-${newKazooId()}`, 'Account-ID': w.absent, Call: kazooCall(), 'Call-ID': `fuzz-${w.absent}`, 'Join-Queue-ID': w.queue, 'Session-ID': `fuzz-${w.absent}`, Priority: 3 }),
  delete_session: (w) => ({ 'Msg-ID': `fuzz-${newKazooId()}`, 'Account-ID': w.absent, Call: kazooCall(), 'Call-ID': `fuzz-${w.absent}` }),
};

/** The auth notices every gateway hears (qubicle.auth), each about an account nobody has. */
const AUTH_NOTICE_TYPES = authNoticeSchema.properties.type.enum as ReadonlyArray<'principal_changed' | 'token_revoked'>;
const AUTH_TEMPLATES: Record<(typeof AUTH_NOTICE_TYPES)[number], (w: FuzzWorld) => object> = {
  principal_changed: (w) => ({ type: 'principal_changed', account_id: w.absent, user_id: w.absent, reason: 'user_disabled', token_generation: 2, at: 1_700_000_000_000 }),
  token_revoked: (w) => ({ type: 'token_revoked', account_id: w.absent, token_id: `fuzz-${w.absent}`, expires_at: 1_700_000_000_000, at: 1_700_000_000_000 }),
};

/** One row per message type of the contracts' lists, plus the presence ping and the events. */
const ROWS: Record<string, BusRow> = {
  ...Object.fromEntries(Object.entries(SHARD_TEMPLATES).map(([type, template]) => [`shard ${type}`, { template, to: shardOfAgent }])),
  ...Object.fromEntries(Object.entries(QUEUE_TEMPLATES).map(([type, template]) => [`queue ${type}`, { template, to: SESSION_SHARD_MESSAGES.has(type) ? shardOfCall : shardOfQueue }])),
  ...Object.fromEntries(Object.entries(DIRECTORY_TEMPLATES).map(([type, template]) => [`directory ${type}`, { template, to: directory }])),
  ...Object.fromEntries(Object.entries(SESSION_TEMPLATES).map(([type, template]) => [`session ${type}`, { template, to: () => ({ queue: QUEUE_SESSIONS_QUEUE }), kazoo: true as const }])),
  ...Object.fromEntries(
    CLUSTER_CONTROL_TYPES.map((type) => [
      `control ${type}`,
      { template: () => ({ type, node: 'fuzz-node', shards: [0, 1], at: 1_700_000_000_000 }), to: () => ({ exchange: CONTROL_EXCHANGE, routingKey: clusterControlKey(type) }) },
    ]),
  ),
  ...Object.fromEntries(
    AUTH_NOTICE_TYPES.map((type) => [`auth ${type}`, { template: AUTH_TEMPLATES[type], to: () => ({ exchange: AUTH_EXCHANGE, routingKey: authNoticeKey(type) }) }]),
  ),
  presence_ping: { template: () => ({ type: 'presence_ping', from: 'fuzz-node' }), to: () => ({ queue: presenceQueue(WORKER_NODE) }) },
  event_batch: {
    template: (w) => ({ node: 'fuzz-node', events: [event(w.absent, newKazooId()), event(w.absent, newKazooId())] }),
    to: () => ({ exchange: FEED_EXCHANGE, routingKey: '' }),
  },
  recipient_event: {
    template: (w) => ({ ...event(w.absent, w.absent), event: 'delete', status: { available: false, availability_state: 'Not-Logged-In' } }),
    to: (w) => ({ exchange: EVENTS_EXCHANGE, routingKey: recipientEventKey(w.absent, w.absent, 'delete') }),
  },
};

/** The session messages' kinds (the session handler's reply contracts, by kind). */
const QUEUE_SESSION_MESSAGE_TYPES = ['create_session', 'join_queue', 'delete_session'] as const;
const KAZOO_REPLY_VALIDATORS: Record<string, (v: unknown) => { ok: boolean }> = {
  create_session: validateCreateSessionReply,
  join_queue: validateJoinQueueReply,
  delete_session: validateDeleteSessionReply,
};
const isRpcEnvelope = (r: unknown): boolean => typeof r === 'object' && r !== null && typeof (r as { ok?: unknown }).ok === 'boolean';

describe('fuzz: every bus message, hostile input (real worker and gateway, real RabbitMQ)', function () {
  let w: FuzzWorld;
  let bus: RawBus;
  fuzzBusSuite((world, raw) => {
    w = world;
    bus = raw;
  });

  /** The worker answers a valid get_status of the watched recipient (it is alive and consuming). */
  async function assertWorkerAnswers(what: string): Promise<void> {
    const text = await bus.call(shardOfAgent(w).queue, JSON.stringify(SHARD_TEMPLATES['get_status']!(w)));
    const reply = JSON.parse(text) as { ok?: unknown; data?: { availability_state?: unknown } };
    assert.equal(reply.ok, true, `${what}: the worker's answer to a valid get_status: ${text.slice(0, 300)}`);
    assert.equal(reply.data?.availability_state, 'Ready', what);
  }

  it('every shard, directory and cluster control message type has a fuzz row, and every row a type', () => {
    const types = [
      ...SHARD_MESSAGE_TYPES.map((t) => `shard ${t}`),
      ...QUEUE_MESSAGE_TYPES.map((t) => `queue ${t}`),
      ...DIRECTORY_REQUEST_TYPES.map((t) => `directory ${t}`),
      ...QUEUE_SESSION_MESSAGE_TYPES.map((t) => `session ${t}`),
      ...CLUSTER_CONTROL_TYPES.map((t) => `control ${t}`),
      ...AUTH_NOTICE_TYPES.map((t) => `auth ${t}`),
      'presence_ping',
      'event_batch',
      'recipient_event',
    ];
    assert.deepEqual(types.filter((t) => !(t in ROWS)), [], 'message types without a fuzz row: add one');
    assert.deepEqual(Object.keys(ROWS).filter((r) => !types.includes(r)), [], 'rows of message types that no longer exist');
  });

  for (const [name, row] of Object.entries(ROWS)) {
    it(name, async function () {
      this.timeout(rowTimeout(600));
      const arb = fc.record({ hostile: hostileParams, answered: fc.integer({ min: 0, max: 4 }) });
      await fc.assert(
        fc.asyncProperty(arb, async (c) => {
          const hostile = hostileText(row.template(w) as Json, c.hostile, BUS_JSON_MAX_DEPTH);
          const what = `${name} (${c.hostile.poison}) ${hostile.text.slice(0, 160)}`;
          const to = row.to(w);
          if ('queue' in to && c.answered > 0) {
            const text = await bus.call(to.queue, hostile.text);
            const reply = JSON.parse(text) as unknown;
            if (row.kazoo && !isRpcEnvelope(reply)) {
              // answered by the session handler in KAZOO's format: refused, in its reply's contract
              const kv = KAZOO_REPLY_VALIDATORS[name.slice('session '.length)]!(reply);
              assert.ok(kv.ok, `${what}: the reply breaks its KAZOO reply contract: ${text.slice(0, 300)}`);
              assert.deepEqual([(reply as { Result?: unknown }).Result, (reply as { Reason?: unknown }).Reason], ['failed', 'invalid_message'], `${what}: ${text.slice(0, 300)}`);
              assert.ok(text.length <= 16 * 1024, `${what}: a ${text.length}-byte reply`);
              await assertWorkerAnswers(what);
              await w.assertUnchanged(what);
              return;
            }
            // (a KAZOO message refused at the parse, before any handler, is answered the RPC envelope)
            const v = validateRpcReply(reply);
            assert.ok(v.ok, `${what}: the reply breaks the rpc reply contract: ${text.slice(0, 300)}`);
            assert.equal(v.value.ok, false, `${what}: a hostile message was accepted: ${text.slice(0, 300)}`);
            if (!v.value.ok) assert.equal(v.value.error.code, 'invalid_message', `${what}: ${text.slice(0, 300)}`);
            assert.ok(text.length <= 16 * 1024, `${what}: a ${text.length}-byte reply`);
          } else if ('queue' in to) {
            bus.send(to.queue, hostile.text); // nobody to answer: dead-lettered
          } else {
            bus.publish(to.exchange, to.routingKey, hostile.text);
          }
          // the valid request goes through the same queue after the hostile one: it was handled (or dropped) first
          await assertWorkerAnswers(what);
          await w.assertUnchanged(what);
        }),
        fuzzParams(name),
      );
    });
  }
});
