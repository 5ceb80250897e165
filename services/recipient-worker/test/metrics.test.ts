import assert from 'node:assert/strict';
import { shardOf, shardQueue, type RpcReply } from '@qubicle/contracts';
import { createMemoryBus } from '@qubicle/transport';
import { register as globalRegistry } from 'prom-client';
import { ManualClock } from '../src/clock.js';
import { loadWorkerConfig } from '../src/config.js';
import { createWorkerMetrics, WORKER_METRIC_NAMES } from '../src/metrics.js';
import { createWorker } from '../src/worker.js';
import { captureLogger } from './support/logger.js';
import { ACCOUNT, OTHER, QUEUE, RECIPIENT, T0 } from './support/machine-fixtures.js';
import { TestStore } from './support/test-store.js';
import { familyNames, parsePrometheusText, sample, type Samples } from '../../../libs/runtime/test/support/prom-text.js';
import { waitFor } from './support/wait.js';

const SHARDS = 4;

function setup() {
  const store = new TestStore();
  store.addAccount({ id: ACCOUNT, features: { pro: true } });
  store.addUser(ACCOUNT, RECIPIENT, { qubicle: { enabled: true, permissions: { monitor: false } } });
  store.addUser(ACCOUNT, OTHER, { qubicle: { enabled: true, permissions: { monitor: false } } });
  const bus = createMemoryBus();
  const clock = new ManualClock(T0);
  const metrics = createWorkerMetrics();
  const logger = captureLogger();
  const config = loadWorkerConfig({ NODE_NAME: 'metrics-test', SHARD_COUNT: String(SHARDS), LEASE_TTL_MS: '30000' });
  const worker = createWorker({ bus, store, config, logger, clock, metrics });
  let n = 0;
  const send = (recipient: string, body: Record<string, unknown>, requestId?: string) =>
    bus.call(
      shardQueue(shardOf(ACCOUNT, recipient, SHARDS)),
      { command_id: `mt-${String(++n).padStart(8, '0')}`, account_id: ACCOUNT, recipient_id: recipient, shard_count: SHARDS, ...body },
      { timeoutMs: 2_000, ...(requestId ? { requestId } : {}) },
    ) as Promise<RpcReply<unknown>>;
  const scrape = async (): Promise<Samples> => parsePrometheusText(await metrics.registry.metrics());
  return { store, bus, clock, metrics, logger, worker, send, scrape };
}

const call = (session: string) => ({ queue_id: QUEUE, session_id: session, caller_id_name: 'Caller', caller_id_number: '100', queue_enter_time: T0 / 1000 });

describe('worker metrics', () => {
  it('own registry with the default process metrics and every worker metric; nothing in the global registry', async () => {
    const metrics = createWorkerMetrics();
    const names = familyNames(await metrics.registry.metrics());
    for (const name of WORKER_METRIC_NAMES) assert.ok(names.has(name), `${name} registered`);
    assert.ok(names.has('process_cpu_user_seconds_total'), 'default process metrics');
    assert.ok(names.has('nodejs_eventloop_lag_seconds'), 'default nodejs metrics');
    const global = familyNames(await globalRegistry.metrics());
    assert.ok(![...global].some((n) => n.startsWith('qubicle_')), 'the global registry stays empty of ours');
    // a second one in the same process does not clash
    assert.doesNotThrow(() => createWorkerMetrics());
  });

  it('a call scenario: transitions, calls offered/answered/missed, time in state, recipients by state, commands, store writes', async () => {
    const t = setup();
    await t.worker.start();
    try {
      const ok = async (p: Promise<RpcReply<unknown>>) => {
        const r = await p;
        assert.equal(r.ok, true, JSON.stringify(r));
        return r;
      };
      await ok(t.send(RECIPIENT, { type: 'login' }));
      t.clock.advance(2_000);
      await ok(t.send(RECIPIENT, { type: 'set_status', status: 'ready' }));
      t.clock.advance(3_000);
      await ok(t.send(RECIPIENT, { type: 'offer', call: call('s1'), offer_timeout_seconds: 20, wrapup_seconds: 5 }));
      await ok(t.send(RECIPIENT, { type: 'reject', session_id: 's1' }));
      await ok(t.send(RECIPIENT, { type: 'offer', call: call('s2'), offer_timeout_seconds: 20, wrapup_seconds: 5 }));
      t.clock.advance(1_000);
      await ok(t.send(RECIPIENT, { type: 'answer', session_id: 's2' }));
      t.clock.advance(4_000);
      await ok(t.send(RECIPIENT, { type: 'hangup', session_id: 's2' }));
      // refused: OTHER is not logged in
      const refused = await t.send(OTHER, { type: 'set_status', status: 'ready' });
      assert.equal(refused.ok, false);

      let m = await t.scrape();
      assert.equal(sample(m, 'qubicle_worker_recipients', { state: 'Wrapup-Time' }), 1);
      assert.equal(sample(m, 'qubicle_worker_recipients', { state: 'Ready' }), 0);
      assert.equal(sample(m, 'qubicle_worker_shards_owned'), SHARDS);
      assert.equal(sample(m, 'qubicle_worker_bus_connected'), 1);

      await ok(t.send(RECIPIENT, { type: 'wrapup_cancel' }));
      await ok(t.send(RECIPIENT, { type: 'logout' }));
      m = await t.scrape();

      const tr = (from: string, to: string) => sample(m, 'qubicle_worker_state_transitions_total', { from, to });
      assert.equal(tr('Not-Logged-In', 'Away'), 1);
      assert.equal(tr('Away', 'Ready'), 1);
      assert.equal(tr('Ready', 'Call-Offer'), 2);
      assert.equal(tr('Call-Offer', 'Ready'), 1);
      assert.equal(tr('Call-Offer', 'On-A-Call'), 1);
      assert.equal(tr('On-A-Call', 'Wrapup-Time'), 1);
      assert.equal(tr('Wrapup-Time', 'Ready'), 1);
      assert.equal(tr('Ready', 'Not-Logged-In'), 1);

      assert.equal(sample(m, 'qubicle_worker_calls_offered_total'), 2);
      assert.equal(sample(m, 'qubicle_worker_calls_answered_total'), 1);
      assert.equal(sample(m, 'qubicle_worker_calls_missed_total'), 1);

      const tis = (state: string, what: 'count' | 'sum') => sample(m, `qubicle_worker_time_in_state_seconds_${what}`, { state });
      assert.equal(tis('Away', 'count'), 1);
      assert.equal(tis('Away', 'sum'), 2);
      assert.equal(tis('Ready', 'count'), 3); // before each offer, and before logout
      assert.equal(tis('Call-Offer', 'count'), 2);
      assert.equal(tis('On-A-Call', 'count'), 1);
      assert.equal(tis('On-A-Call', 'sum'), 4);
      assert.equal(tis('Wrapup-Time', 'count'), 1);
      assert.equal(sample(m, 'qubicle_worker_time_in_state_seconds_bucket', { state: 'Away', le: '1' }), 0);
      assert.equal(sample(m, 'qubicle_worker_time_in_state_seconds_bucket', { state: 'Away', le: '5' }), 1);

      for (const state of ['Away', 'Ready', 'Call-Offer', 'On-A-Call', 'Wrapup-Time']) {
        assert.equal(sample(m, 'qubicle_worker_recipients', { state }), 0, state);
      }

      const cmd = (command: string, outcome: string) => sample(m, 'qubicle_worker_commands_total', { command, outcome });
      assert.equal(cmd('login', 'ok'), 1);
      assert.equal(cmd('set_status', 'ok'), 1);
      assert.equal(cmd('set_status', 'not_logged_in'), 1);
      assert.equal(cmd('offer', 'ok'), 2);
      assert.equal(cmd('answer', 'ok'), 1);
      assert.equal(cmd('logout', 'ok'), 1);
      assert.equal(sample(m, 'qubicle_worker_command_duration_seconds_count', { command: 'offer' }), 2);

      // every accepted state change is one write (or the final logoutRecipient); these came one at a
      // time, so each was its own write-behind batch (saveRecipientGroups, docs/performance.md)
      assert.equal(sample(m, 'qubicle_worker_store_write_duration_seconds_count', { operation: 'saveRecipientGroups' }), 8);
      assert.equal(sample(m, 'qubicle_worker_store_write_duration_seconds_count', { operation: 'logoutRecipient' }), 1);
      assert.equal(sample(m, 'qubicle_worker_store_write_duration_seconds_count', { operation: 'tryAcquireLease' }), SHARDS);

      const text = await t.metrics.registry.metrics();
      assert.ok(!text.includes(RECIPIENT) && !text.includes(ACCOUNT), 'no recipient or account id in any label');
    } finally {
      await t.worker.stop();
    }
  });

  it('lease renewals and failures; failed store writes; bus reconnects', async () => {
    const t = setup();
    await t.worker.start();
    try {
      t.clock.advance(10_000); // one lease tick (TTL/3)
      await waitFor(() => t.store.calls.filter((c) => c === 'renewLease').length === SHARDS, 'the renewals');
      await t.worker.shards.tick(); // settles the tick started by the timer
      let m = await t.scrape();
      assert.equal(sample(m, 'qubicle_worker_lease_renewals_total'), SHARDS);
      assert.equal(sample(m, 'qubicle_worker_lease_failures_total', { reason: 'renew_error' }), 0);

      t.store.failNext('renewLease');
      t.clock.advance(10_000);
      await waitFor(() => t.store.calls.filter((c) => c === 'renewLease').length === 2 * SHARDS, 'the second renewals');
      await t.worker.shards.tick();
      m = await t.scrape();
      assert.equal(sample(m, 'qubicle_worker_lease_failures_total', { reason: 'renew_error' }), 1);
      assert.equal(sample(m, 'qubicle_worker_store_write_errors_total', { operation: 'renewLease' }), 1);

      assert.equal(sample(m, 'qubicle_worker_bus_reconnects_total'), 0);
      t.bus.simulateDisconnect();
      m = await t.scrape();
      assert.equal(sample(m, 'qubicle_worker_bus_connected'), 0);
      t.bus.simulateReconnect();
      m = await t.scrape();
      assert.equal(sample(m, 'qubicle_worker_bus_connected'), 1);
      assert.equal(sample(m, 'qubicle_worker_bus_reconnects_total'), t.bus.reconnects);
    } finally {
      await t.worker.stop();
    }
  });

  it('one log line per command: type, outcome, duration, request id, correlation id; never the body', async () => {
    const t = setup();
    await t.worker.start();
    try {
      await t.send(RECIPIENT, { type: 'login' }, 'req-abc-123');
      const lines = t.logger.entries.filter((e) => e.msg === 'command');
      assert.equal(lines.length, 1);
      const line = lines[0]!.obj as Record<string, unknown>;
      assert.equal(line['request_id'], 'req-abc-123');
      assert.equal(line['command'], 'login');
      assert.equal(line['outcome'], 'ok');
      assert.equal(typeof line['duration_ms'], 'number');
      assert.equal(typeof line['correlation_id'], 'string');
      assert.equal(line['recipient_id'], RECIPIENT);
      assert.equal(line['body'], undefined);

      // an unknown type is a bounded label
      await t.bus.call(shardQueue(0), { type: 'no-such-thing', x: 1 }, { timeoutMs: 1_000 });
      const m = await t.scrape();
      assert.equal(sample(m, 'qubicle_worker_commands_total', { command: 'unknown', outcome: 'invalid_message' }), 1);
    } finally {
      await t.worker.stop();
    }
  });
});
