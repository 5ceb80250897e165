/**
 * Metrics through the real stack (HTTP → gateway → RabbitMQ → worker → SQLite): scraped before and
 * after a short scenario, the deltas are exactly what the scenario did.
 */
import { strict as assert } from 'node:assert';
import { shardOf, shardQueue } from '@qubicle/contracts';
import { PASSWORD, startStack, type Stack } from './support/stack.js';
import { parsePrometheusText, sample, type Samples } from '../../libs/runtime/test/support/prom-text.js';

const QUEUE = 'c6564319c5996b0db6f4e53d69db79d8';

describe('ops: metrics after a scenario (real gateway + worker over RabbitMQ)', function () {
  this.timeout(60_000);
  let s: Stack;
  let agentId: string;
  let agentToken: string;

  before(async () => {
    s = await startStack();
    const admin = await s.login('admin');
    const created = await s.api(
      'PUT',
      `/v2/accounts/${s.accountId}/users`,
      { data: { first_name: 'Metric', last_name: 'Agent', username: 'metric.agent', password: PASSWORD, qubicle: { enabled: true } } },
      { token: admin },
    );
    assert.equal(created.status, 201, created.text);
    agentId = created.body.data.id;
    agentToken = await s.login('metric.agent');
  });
  after(async () => {
    await s?.stop();
  });

  const scrape = async (): Promise<{ gw: Samples; wk: Samples }> => {
    const gw = await s.get(`${s.gatewayUrl}/metrics`);
    const wk = await s.get(`${s.opsUrl}/metrics`);
    assert.equal(gw.status, 200);
    assert.equal(wk.status, 200);
    return { gw: parsePrometheusText(gw.text), wk: parsePrometheusText(wk.text) };
  };

  it('login, ready, a call offered/answered/hung up over the bus, wrap-up cancelled: exact deltas on both processes', async () => {
    const before = await scrape();
    const base = `/v2/accounts/${s.accountId}/qubicle_recipients/${agentId}`;
    const ok = async (p: Promise<{ status: number; text: string }>) => {
      const r = await p;
      assert.equal(r.status, 200, r.text);
    };
    await ok(s.api('POST', base, { data: { action: 'login' } }, { token: agentToken }));
    await ok(s.api('POST', `${base}/status`, { data: { status: 'ready' } }, { token: agentToken }));

    // a queue service offers a call on the recipient's shard queue; media reports answer and hangup
    const queue = shardQueue(shardOf(s.accountId, agentId, s.shardCount));
    let n = 0;
    const command = async (body: Record<string, unknown>) => {
      const reply = (await s.serviceBus.call(
        queue,
        { command_id: `ops-metrics-${++n}-${Date.now()}`, account_id: s.accountId, recipient_id: agentId, shard_count: s.shardCount, by: { service: 'ops-test' }, ...body },
        { timeoutMs: 3_000 },
      )) as { ok: boolean };
      assert.equal(reply.ok, true, JSON.stringify(reply));
    };
    const call = { queue_id: QUEUE, session_id: 'ops-call-1', caller_id_name: 'Caller', caller_id_number: '+15550100', queue_enter_time: Math.floor(Date.now() / 1000) };
    await command({ type: 'offer', call, offer_timeout_seconds: 30, wrapup_seconds: 60 });
    await command({ type: 'answer', session_id: 'ops-call-1' });
    await command({ type: 'hangup', session_id: 'ops-call-1' });
    const mid = await scrape();
    assert.equal(sample(mid.wk, 'qubicle_worker_recipients', { state: 'Wrapup-Time' }) - sample(before.wk, 'qubicle_worker_recipients', { state: 'Wrapup-Time' }), 1);
    await ok(s.api('POST', base, { data: { action: 'wrapup_cancel' } }, { token: agentToken }));

    const after = await scrape();
    const d = (side: 'gw' | 'wk', name: string, labels: Record<string, string> = {}) => sample(after[side], name, labels) - sample(before[side], name, labels);

    // gateway: HTTP by route template, RPCs by command/outcome
    const action = '/v2/accounts/:account_id/qubicle_recipients/:id';
    const status = '/v2/accounts/:account_id/qubicle_recipients/:id/status';
    assert.equal(d('gw', 'qubicle_gateway_http_requests_total', { method: 'POST', route: action, status: '200' }), 2);
    assert.equal(d('gw', 'qubicle_gateway_http_requests_total', { method: 'POST', route: status, status: '200' }), 1);
    assert.equal(d('gw', 'qubicle_gateway_http_request_duration_seconds_count', { method: 'POST', route: action }), 2);
    assert.equal(d('gw', 'qubicle_gateway_rpc_requests_total', { command: 'login', outcome: 'ok' }), 1);
    assert.equal(d('gw', 'qubicle_gateway_rpc_requests_total', { command: 'set_status', outcome: 'ok' }), 1);
    assert.equal(d('gw', 'qubicle_gateway_rpc_requests_total', { command: 'wrapup_cancel', outcome: 'ok' }), 1);
    assert.equal(d('gw', 'qubicle_gateway_rpc_duration_seconds_count', { command: 'login', outcome: 'ok' }), 1);
    assert.equal(sample(after.gw, 'qubicle_gateway_bus_connected'), 1);
    assert.equal(sample(after.gw, 'qubicle_gateway_shard_count'), s.shardCount);

    // worker: commands, transitions, calls, time in state, recipients by state
    for (const c of ['login', 'set_status', 'offer', 'answer', 'hangup', 'wrapup_cancel']) {
      assert.equal(d('wk', 'qubicle_worker_commands_total', { command: c, outcome: 'ok' }), 1, c);
    }
    const tr = (from: string, to: string) => d('wk', 'qubicle_worker_state_transitions_total', { from, to });
    assert.equal(tr('Not-Logged-In', 'Away'), 1);
    assert.equal(tr('Away', 'Ready'), 1);
    assert.equal(tr('Ready', 'Call-Offer'), 1);
    assert.equal(tr('Call-Offer', 'On-A-Call'), 1);
    assert.equal(tr('On-A-Call', 'Wrapup-Time'), 1);
    assert.equal(tr('Wrapup-Time', 'Ready'), 1);
    assert.equal(d('wk', 'qubicle_worker_calls_offered_total'), 1);
    assert.equal(d('wk', 'qubicle_worker_calls_answered_total'), 1);
    assert.equal(d('wk', 'qubicle_worker_calls_missed_total'), 0);
    for (const state of ['Away', 'Ready', 'Call-Offer', 'On-A-Call', 'Wrapup-Time']) {
      assert.equal(d('wk', 'qubicle_worker_time_in_state_seconds_count', { state }), 1, state);
    }
    assert.equal(d('wk', 'qubicle_worker_recipients', { state: 'Ready' }), 1);
    assert.equal(sample(after.wk, 'qubicle_worker_recipients', { state: 'Wrapup-Time' }), 0);
    // six accepted state changes, each persisted once (one at a time: each its own write-behind
    // batch, a saveRecipientGroups call; docs/performance.md)
    assert.equal(d('wk', 'qubicle_worker_store_write_duration_seconds_count', { operation: 'saveRecipientGroups' }), 6);
    assert.equal(sample(after.wk, 'qubicle_worker_shards_owned'), s.shardCount);
    assert.equal(sample(after.wk, 'qubicle_worker_bus_connected'), 1);
    assert.ok(sample(after.wk, 'process_cpu_user_seconds_total') > 0, 'default process metrics');

    const text = (await s.get(`${s.opsUrl}/metrics`)).text + (await s.get(`${s.gatewayUrl}/metrics`)).text;
    assert.ok(!text.includes(agentId) && !text.includes(s.accountId), 'no recipient or account id in any label');
  });
});
