/**
 * End to end: the queue simulator against the real system (RabbitMQ, worker, SQLite, gateway):
 * a few hundred calls across a handful of recipients, whose own stats (read back over HTTP)
 * add up exactly to what the simulator did; and the CLI as a separate process.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { busEvents } from '../../tools/simulator/src/bus-events.js';
import { runSimulation, type SimulationResult } from '../../tools/simulator/src/simulation.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

const run = promisify(execFile);

describe('e2e: queue simulator', function () {
  this.timeout(60_000);
  let sys: System;
  let t: Tenant;
  let base: string;

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'simulator', { missedCallThreshold: 3 });
    base = t.base;
    // the account has 4 recipients (admin + 3 agents): two more make a handful
    await t.addRecipient({ first_name: 'Sim', last_name: 'Five' });
    await t.addRecipient({ first_name: 'Sim', last_name: 'Six' });
  });

  it('300 calls across 6 recipients: every call ends; sum(total_calls) == answered, sum(missed_calls) == rejected + timed out', async () => {
    const lines: string[] = [];
    const result: SimulationResult = await runSimulation(
      {
        account: t.name,
        queue: 'sales',
        calls: 300,
        concurrency: 12,
        answerProb: 0.8,
        rejectProb: 0.1,
        abandonProb: 0.05,
        talkMs: 15,
        ringMs: 5,
        offerTimeoutSeconds: 1,
        wrapupSeconds: 0,
        login: true,
        awayMs: 50,
        seed: 11,
        summaryMs: 1_000,
      },
      { caller: sys.serviceBus, subscribe: busEvents(sys.serviceBus), print: (l) => lines.push(l) },
    );
    assert.deepEqual(result.problems, []);
    assert.equal(result.completed, true);
    assert.equal(result.accountId, t.accountId);
    assert.equal(result.recipients.length, 6);
    assert.equal(result.calls.answered + result.calls.abandoned, 300);
    assert.ok(result.offers.rejected > 0 && result.offers.timedOut > 0 && result.offers.abandoned > 0, JSON.stringify(result.offers));
    assert.equal(result.consistent, true);

    // the recipients' own stats, read back through the HTTP API
    const ids = result.recipients.map((r) => r.id);
    const bulk = await sys.api('POST', `${base}/status`, { data: { recipient_ids: ids } }, t.adminToken);
    assert.equal(bulk.status, 200, bulk.text);
    let totalCalls = 0;
    let missedCalls = 0;
    for (const r of result.recipients) {
      const s = bulk.body.data[r.id];
      assert.equal(typeof s, 'object', `${r.name} still logged in`);
      assert.equal(s.stats.total_calls, r.answered, r.name);
      assert.equal(s.stats.missed_calls, r.rejected + r.timedOut, r.name);
      assert.ok(r.offers > 0, `${r.name} was offered calls`);
      totalCalls += s.stats.total_calls;
      missedCalls += s.stats.missed_calls;
    }
    assert.equal(totalCalls, result.offers.answered);
    assert.equal(missedCalls, result.offers.rejected + result.offers.timedOut);
    assert.equal(totalCalls, result.calls.answered);
  });

  it('runs as a separate process (npm run simulate) and exits 0 when the stats add up', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        'tools/simulator/src/main.ts',
        '--amqp',
        sys.amqpUrl,
        '--account',
        t.name,
        '--queue',
        'support',
        '--calls',
        '40',
        '--concurrency',
        '6',
        '--answer-prob',
        '0.9',
        '--reject-prob',
        '0.1',
        '--abandon-prob',
        '0',
        '--talk-ms',
        '10',
        '--ring-ms',
        '5',
        '--offer-timeout',
        '5',
        '--wrapup',
        '0',
        '--away-ms',
        '50',
        '--login',
        '--logout',
        '--seed',
        '5',
        '--summary-ms',
        '0',
        '--json',
      ],
      { timeout: 45_000 },
    );
    const result = JSON.parse(stdout) as SimulationResult;
    assert.equal(result.completed, true);
    assert.equal(result.consistent, true);
    assert.equal(result.calls.placed, 40);
    // --logout: everyone is out, and each session is in the history
    const some = result.recipients[0]!;
    const status = await sys.api('GET', `${base}/${some.id}/status`, undefined, t.adminToken);
    assert.equal(status.body.data.availability_state, 'Not-Logged-In');
    const sessions = await sys.api('GET', `${base}/${some.id}/sessions?page_size=1`, undefined, t.adminToken);
    assert.equal(sessions.body.data[0].reason, 'simulation_end');
    assert.equal(sessions.body.data[0].stats.total_calls, some.after?.total_calls);
  });
});
