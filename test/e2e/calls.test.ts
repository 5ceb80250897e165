/**
 * End to end: calls driven by bus messages (a queue service using RecipientBusClient over
 * its own AMQP connection) while the HTTP status endpoint shows each state. Real gateway,
 * real RabbitMQ (fresh vhost), real worker, SQLite.
 */
import { strict as assert } from 'node:assert';
import { QubicleFailure } from '@qubicle/contracts';
import { type RecipientBusClient } from '@qubicle/client';
import { busClient, callOf, EventLog } from '../support/events.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

const Q_SALES = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const Q_SUPPORT = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';
/** This file's account's missed-call threshold. */
const THRESHOLD = 2;

async function refusal(p: Promise<unknown>): Promise<QubicleFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof QubicleFailure) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('e2e: calls on the bus', function () {
  this.timeout(30_000);
  let sys: System;
  let t: Tenant;
  let client: RecipientBusClient;
  let events: EventLog;
  let A: string;

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'calls', { missedCallThreshold: THRESHOLD });
    A = t.accountId;
    client = busClient(sys);
    events = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${A}.*.*`]);
  });
  after(async () => {
    await events?.stop();
  });

  const status = (id: string) => t.status(id);
  const action = (id: string, body: object) => t.action(id, body);
  const setStatus = (id: string, body: object) => t.setStatus(id, body);

  /** A new recipient, logged in and Ready through HTTP. */
  async function readyAgent(name: string): Promise<string> {
    const id = await t.addRecipient({ first_name: name, last_name: 'Calls' });
    assert.equal((await action(id, { action: 'login' })).status, 200);
    assert.equal((await setStatus(id, { status: 'ready' })).status, 200);
    return id;
  }

  it('a full call: Ready → Call-Offer → On-A-Call → Wrapup-Time (counting down) → Ready, each visible in GET status', async () => {
    const id = await readyAgent('Full');
    const from = events.mark;
    const call = callOf(Q_SALES, { caller_id_name: 'Jane Caller', caller_id_number: '+15551234567', queue_enter_time: Math.floor(Date.now() / 1000) - 7 });

    assert.deepEqual(await client.offer(A, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 2 }), { accepted: true });
    let s = await status(id);
    assert.equal(s.availability_state, 'Call-Offer');
    assert.equal(s.available, false);
    assert.deepEqual(s.offered_call, call);
    assert.equal(s.handling_call, undefined);
    assert.equal(s.wrapup_time_seconds, 0);

    const answeredAt = Math.floor(Date.now() / 1000);
    const afterAnswer = await client.answer(A, id, call.session_id);
    assert.equal(afterAnswer.availability_state, 'On-A-Call');
    s = await status(id);
    assert.equal(s.availability_state, 'On-A-Call');
    assert.deepEqual(s.handling_call, call);
    assert.equal(s.offered_call, undefined);
    assert.equal(s.stats.total_calls, 1);
    assert.equal(s.stats.missed_calls, 0);
    assert.ok(s.stats.last_handled_time >= answeredAt && s.stats.last_handled_time <= answeredAt + 1);
    assert.equal(s.stats.last_action_time, s.stats.last_handled_time);

    await client.hangup(A, id, call.session_id);
    s = await status(id);
    assert.equal(s.availability_state, 'Wrapup-Time');
    assert.equal(s.handling_call, undefined);
    assert.ok(s.wrapup_time_seconds >= 1 && s.wrapup_time_seconds <= 2, `wrapup_time_seconds ${s.wrapup_time_seconds}`);
    assert.ok(s.stats.avg_call_time >= 0 && s.stats.avg_call_time < 5);
    const again = await status(id);
    assert.ok(again.wrapup_time_seconds <= s.wrapup_time_seconds, 'wrap-up only counts down');

    const end = await events.next(id, 'wrapup_end', from, 5_000);
    assert.equal(end.reason, 'timer');
    assert.equal(end.status.availability_state, 'Ready');
    s = await status(id);
    assert.equal(s.availability_state, 'Ready');
    assert.equal(s.available, true);
    assert.equal(s.wrapup_time_seconds, 0);
    assert.equal(s.stats.total_calls, 1);
  });

  it('wrapup_extend resets the time left to the queue full amount; wrapup_cancel ends it at once', async () => {
    const id = await readyAgent('Wrapup');
    const call = callOf(Q_SALES);
    await client.offer(A, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 3 });
    await client.answer(A, id, call.session_id);
    await client.hangup(A, id, call.session_id);

    // Wait (polling the API, bounded) until the countdown has visibly moved.
    const until = Date.now() + 5_000;
    let s = await status(id);
    while (s.wrapup_time_seconds === 3) {
      assert.ok(Date.now() < until, 'wrap-up never counted down');
      s = await status(id);
    }
    assert.equal(s.availability_state, 'Wrapup-Time');
    assert.ok(s.wrapup_time_seconds < 3);

    const from = events.mark;
    const ext = await action(id, { action: 'wrapup_extend' });
    assert.equal(ext.status, 200, ext.text);
    assert.deepEqual(ext.body.data, { action: 'wrapup_extend' });
    s = await status(id);
    assert.equal(s.availability_state, 'Wrapup-Time');
    assert.equal(s.wrapup_time_seconds, 3, 'reset to the full wrap-up of the call queue');
    await events.next(id, 'wrapup', from);

    const cancel = await action(id, { action: 'wrapup_cancel' });
    assert.equal(cancel.status, 200, cancel.text);
    const end = await events.next(id, 'wrapup_end', from);
    assert.equal(end.reason, 'cancelled');
    s = await status(id);
    assert.equal(s.availability_state, 'Ready');
    assert.equal(s.wrapup_time_seconds, 0);

    // outside wrap-up both are refused and change nothing
    const again = await action(id, { action: 'wrapup_cancel' });
    assert.equal(again.status, 409);
    assert.equal(again.body.data.code, 'invalid_transition');
    assert.equal((await status(id)).availability_state, 'Ready');
  });

  it('wrap-up 0: hangup goes straight to Ready; avg_call_time is talk time / total calls', async () => {
    const id = await readyAgent('NoWrap');
    const call = callOf(Q_SUPPORT);
    await client.offer(A, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    await client.answer(A, id, call.session_id);
    const s = await client.hangup(A, id, call.session_id);
    assert.equal(s.availability_state, 'Ready');
    assert.equal(s.wrapup_time_seconds, 0);
    assert.equal(s.stats!.total_calls, 1);
    assert.equal(typeof s.stats!.avg_call_time, 'number');
  });

  it('offer refusals say why: not logged in, not ready, not available for that queue, busy', async () => {
    const id = await t.addRecipient({ first_name: 'Refused', last_name: 'Calls' });
    const offer = (queue = Q_SALES) => client.offer(A, id, { call: callOf(queue), offer_timeout_seconds: 30, wrapup_seconds: 0 });
    assert.deepEqual(await offer(), { accepted: false, reason: 'not_logged_in' });
    await action(id, { action: 'login' });
    assert.deepEqual(await offer(), { accepted: false, reason: 'not_ready' });
    await setStatus(id, { status: 'ready' });
    await setStatus(id, { status: 'away', queue_id: Q_SUPPORT });
    assert.deepEqual((await status(id)).queue_availability, { [Q_SUPPORT]: false });
    assert.deepEqual(await offer(Q_SUPPORT), { accepted: false, reason: 'not_available_for_queue' });
    assert.deepEqual(await offer(Q_SALES), { accepted: true });
    assert.deepEqual(await offer(Q_SALES), { accepted: false, reason: 'busy' });
    // nothing of the refused offers is visible
    const s = await status(id);
    assert.equal(s.availability_state, 'Call-Offer');
    assert.equal(s.stats.missed_calls, 0);
    await client.withdraw(A, id, s.offered_call.session_id, { reason: 'caller_hangup' });
    assert.equal((await status(id)).availability_state, 'Ready');
  });

  it('withdraw is not a miss; answer/reject/hangup for another session are refused and change nothing', async () => {
    const id = await readyAgent('Session');
    const call = callOf(Q_SALES);
    await client.offer(A, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    for (const op of [client.answer, client.reject, client.withdraw, client.hangup]) {
      const err = await refusal(op.call(client, A, id, 'some-other-session'));
      assert.equal(err.error.code, 'invalid_transition', op.name);
    }
    const hangupEarly = await refusal(client.hangup(A, id, call.session_id));
    assert.equal(hangupEarly.error.code, 'invalid_transition', 'hangup of a call that is only offered');
    let s = await status(id);
    assert.equal(s.availability_state, 'Call-Offer');
    assert.deepEqual(s.offered_call, call);

    const from = events.mark;
    await client.withdraw(A, id, call.session_id, { reason: 'answered_elsewhere' });
    const w = await events.next(id, 'withdraw', from);
    assert.equal(w.reason, 'answered_elsewhere');
    assert.deepEqual(w.call, call);
    s = await status(id);
    assert.equal(s.availability_state, 'Ready');
    assert.equal(s.stats.missed_calls, 0);
    assert.equal(s.stats.total_calls, 0);
  });

  it('the same answer twice (same command id) is answered again, not applied twice; a new answer is refused', async () => {
    const id = await readyAgent('Dup');
    const call = callOf(Q_SALES);
    await client.offer(A, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    const from = events.mark;
    const commandId = 'dup0answer0000000000000000000001';
    const first = await client.answer(A, id, call.session_id, { commandId });
    const second = await client.answer(A, id, call.session_id, { commandId });
    assert.deepEqual(second, first);
    const third = await refusal(client.answer(A, id, call.session_id));
    assert.equal(third.error.code, 'invalid_transition');
    const s = await status(id);
    assert.equal(s.availability_state, 'On-A-Call');
    assert.equal(s.stats.total_calls, 1);
    // hang up: the delivered event of this call was published exactly once
    await client.hangup(A, id, call.session_id);
    await events.next(id, 'ready', from);
    assert.equal(events.of(id, 'delivered').filter((e) => e.call?.session_id === call.session_id).length, 1);
  });

  it('deferred changes are visible as next_state and applied when the call ends; logout during an offer withdraws it', async () => {
    const id = await readyAgent('Deferred');
    const call = callOf(Q_SALES);
    await client.offer(A, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    await client.answer(A, id, call.session_id);
    assert.equal((await setStatus(id, { status: 'away' })).status, 200);
    let s = await status(id);
    assert.equal(s.availability_state, 'On-A-Call');
    assert.equal(s.next_state, 'Away');
    await client.hangup(A, id, call.session_id);
    s = await status(id);
    assert.equal(s.availability_state, 'Away');
    assert.equal(s.next_state, undefined);

    // logout during a call: deferred
    await setStatus(id, { status: 'ready' });
    const call2 = callOf(Q_SALES);
    await client.offer(A, id, { call: call2, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    await client.answer(A, id, call2.session_id);
    assert.equal((await action(id, { action: 'logout' })).status, 200);
    s = await status(id);
    assert.equal(s.availability_state, 'On-A-Call');
    assert.equal(s.next_state, 'Not-Logged-In');
    await client.hangup(A, id, call2.session_id);
    assert.deepEqual(await status(id), { available: false, availability_state: 'Not-Logged-In' });

    // logout during an offer: the offer is withdrawn and the recipient is out at once
    await action(id, { action: 'login' });
    await setStatus(id, { status: 'ready' });
    const call3 = callOf(Q_SALES);
    await client.offer(A, id, { call: call3, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    const from = events.mark;
    await action(id, { action: 'logout' });
    const w = await events.next(id, 'withdraw', from);
    assert.equal(w.reason, 'logout');
    assert.deepEqual(w.call, call3);
    const del = await events.next(id, 'delete', from);
    assert.equal(del.final_stats?.missed_calls, 0);
    assert.deepEqual(await status(id), { available: false, availability_state: 'Not-Logged-In' });
  });

  it(`missed-call policy: ${THRESHOLD} consecutive misses (reject, offer timeout) → Away with away_reason; an answer resets the count`, async () => {
    const id = await readyAgent('Misses');
    // an answered call between two misses resets the streak
    const c1 = callOf(Q_SALES);
    await client.offer(A, id, { call: c1, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    await client.reject(A, id, c1.session_id);
    const c2 = callOf(Q_SALES);
    await client.offer(A, id, { call: c2, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    await client.answer(A, id, c2.session_id);
    await client.hangup(A, id, c2.session_id);
    const c3 = callOf(Q_SALES);
    await client.offer(A, id, { call: c3, offer_timeout_seconds: 30, wrapup_seconds: 0 });
    let s = await client.reject(A, id, c3.session_id);
    assert.equal(s.availability_state, 'Ready', 'one miss since the answered call');
    assert.equal(s.stats!.missed_calls, 2);

    // second consecutive miss: no answer within the offer timeout
    const from = events.mark;
    const c4 = callOf(Q_SALES);
    await client.offer(A, id, { call: c4, offer_timeout_seconds: 1, wrapup_seconds: 0 });
    const miss = await events.next(id, 'miss', from, 5_000);
    assert.deepEqual(miss.call, c4);
    const away = await events.next(id, 'away', from);
    assert.equal(away.reason, 'missed_calls');
    s = await status(id);
    assert.equal(s.availability_state, 'Away');
    assert.equal(s.away_reason, 'missed_calls');
    assert.equal(s.stats!.missed_calls, 3);
    assert.equal(s.stats!.total_calls, 1);
    assert.deepEqual(await client.offer(A, id, { call: callOf(Q_SALES), offer_timeout_seconds: 30, wrapup_seconds: 0 }), {
      accepted: false,
      reason: 'not_ready',
    });

    // coming back by choice clears the reason
    await setStatus(id, { status: 'ready' });
    s = await status(id);
    assert.equal(s.availability_state, 'Ready');
    assert.equal(s.away_reason, undefined);
  });

  it('an offer deadline that passed while no worker was running is applied when the recipient is loaded again', async () => {
    const id = await readyAgent('Crash');
    const call = callOf(Q_SALES);
    await client.offer(A, id, { call, offer_timeout_seconds: 1, wrapup_seconds: 0 });
    await sys.stopWorker();
    const stored = await sys.store.loadRecipient(A, id);
    assert.equal(stored?.state.availability_state, 'Call-Offer');
    const deadline = stored!.state.offer_deadline!;
    // wait for a known instant: the deadline has passed while nobody owns the shard
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 50));
    assert.ok(Date.now() > deadline);
    const from = events.mark;
    await sys.startWorker();
    const miss = await events.next(id, 'miss', from, 5_000);
    assert.deepEqual(miss.call, call);
    const s = await status(id);
    assert.equal(s.availability_state, 'Ready');
    assert.equal(s.stats.missed_calls, 1);
  });

  it('a wrap-up deadline still ahead is re-armed by the worker that loads the recipient', async () => {
    const id = await readyAgent('Rearm');
    const call = callOf(Q_SALES);
    await client.offer(A, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 3 });
    await client.answer(A, id, call.session_id);
    await client.hangup(A, id, call.session_id);
    await sys.stopWorker();
    const from = events.mark;
    await sys.startWorker();
    const s = await status(id);
    assert.equal(s.availability_state, 'Wrapup-Time', 'the deadline is still ahead after the restart');
    assert.ok(s.wrapup_time_seconds >= 1 && s.wrapup_time_seconds <= 3);
    const end = await events.next(id, 'wrapup_end', from, 5_000);
    assert.equal(end.reason, 'timer');
    assert.equal((await status(id)).availability_state, 'Ready');
  });
});
