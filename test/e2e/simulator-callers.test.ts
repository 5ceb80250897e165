/**
 * End to end: the simulator's caller mode against the real system (RabbitMQ in a fresh vhost,
 * worker, SQLite). The simulator plays KAZOO's callflow (create_session, join_queue,
 * delete_session) and the members' phones; the service's queue process does the routing.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { QueueBusClient } from '@qubicle/client';
import { busEvents } from '../../tools/simulator/src/bus-events.js';
import { runCallers, type CallerResult } from '../../tools/simulator/src/callers.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

const run = promisify(execFile);

describe('e2e: queue simulator, caller mode (the service routes)', function () {
  this.timeout(60_000);
  let sys: System;
  let t: Tenant;
  let Q: string;
  let members: string[];

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'sim-callers');
    members = [await t.addRecipient(), await t.addRecipient(), await t.addRecipient()];
    const created = await sys.api('PUT', `/v2/accounts/${t.accountId}/qubicle_queues`, { data: { name: 'Sim Sales', ring_timeout: 2, agent_wrapup_time: 0 } }, t.adminToken);
    assert.equal(created.status, 201, created.text);
    Q = created.body.data.id;
    const roster = await sys.api('POST', `/v2/accounts/${t.accountId}/qubicle_queues/${Q}/recipients`, { data: members }, t.adminToken);
    assert.equal(roster.status, 200, roster.text);
  });

  it('40 callers through the queue process: every one routed to a member, answered and hung up, 0 errors', async () => {
    const ended: Array<{ recipientId: string | null; outcome: string }> = [];
    const result = await runCallers(
      { account: t.name, queue: 'Sim Sales', calls: 40, concurrency: 6, answerProb: 1, rejectProb: 0, ringMs: 5, talkMs: 10, patienceMs: 0, login: true, summaryMs: 0, seed: 3 },
      { caller: sys.serviceBus, subscribe: busEvents(sys.serviceBus), onCallEnded: (c) => ended.push(c) },
    );
    assert.deepEqual(result.problems, []);
    assert.equal(result.errors, 0);
    assert.equal(result.completed, true);
    assert.equal(result.queueId, Q);
    assert.deepEqual(result.calls, { placed: 40, joined: 40, refused: 0, answered: 40, hungUp: 40, abandoned: 0, unfinished: 0 });
    assert.equal(ended.length, 40);
    assert.ok(ended.every((c) => c.outcome === 'handled' && c.recipientId !== null && members.includes(c.recipientId)), JSON.stringify(ended));
    // the queue's own figures: every session ended, none waiting
    const queues = new QueueBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, timeoutMs: 5_000, service: 'e2e-sim' });
    const status = (await queues.status(t.accountId, [Q]))[Q];
    assert.ok(status && status !== 'unknown_queue');
    assert.equal(status.status.stats.active_session_count, 0);
    assert.equal(status.status.service_level.day.answered, 40);
  });

  it('rejects, unanswered rings and impatient callers: every caller ends (answered or abandoned), 0 errors', async () => {
    const result = await runCallers(
      { account: t.accountId, queue: Q, calls: 30, concurrency: 8, answerProb: 0.6, rejectProb: 0.2, ringMs: 20, talkMs: 20, patienceMs: 1_500, login: true, awayMs: 50, summaryMs: 0, seed: 5 },
      { caller: sys.serviceBus, subscribe: busEvents(sys.serviceBus) },
    );
    assert.deepEqual(result.problems, []);
    assert.equal(result.completed, true);
    assert.equal(result.calls.answered + result.calls.abandoned, 30, JSON.stringify(result));
    assert.equal(result.calls.answered, result.calls.hungUp);
    assert.ok(result.offers.rejected > 0, JSON.stringify(result.offers));
  });

  it('npm run simulate -- --mode=callers as a separate process: exit 0, every caller answered and hung up', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', 'tools/simulator/src/main.ts', '--mode=callers', '--amqp', sys.amqpUrl, '--account', t.name, '--queue', Q,
        '--calls', '12', '--concurrency', '4', '--answer-prob', '1', '--reject-prob', '0', '--ring-ms', '5', '--talk-ms', '10', '--patience-ms', '0', '--login', '--summary-ms', '0', '--json'],
      { timeout: 45_000 },
    );
    const result = JSON.parse(stdout) as CallerResult;
    assert.equal(result.completed, true);
    assert.equal(result.errors, 0);
    assert.deepEqual([result.calls.placed, result.calls.answered, result.calls.hungUp], [12, 12, 12]);
  });
});
