/**
 * End to end: the exact events a subscriber bound to one recipient receives for calls, with
 * contiguous per-recipient sequence numbers, Qubicle's event names and the status in each.
 */
import { strict as assert } from 'node:assert';
import { recipientEventKey, type RecipientEvent } from '@qubicle/contracts';
import { busClient, callOf, EventLog } from '../support/events.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

const Q = 'd4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4';

describe('e2e: recipient events', function () {
  this.timeout(30_000);
  let sys: System;
  let t: Tenant;

  before(async () => {
    sys = await sharedSystem();
    // threshold 3: the two misses below in a row do not send the recipient Away
    t = await newTenant(sys, 'events', { missedCallThreshold: 3 });
  });

  const action = (id: string, body: object) => t.action(id, body);
  const setStatus = (id: string, body: object) => t.setStatus(id, body);

  function assertContiguous(events: RecipientEvent[]): void {
    for (let i = 1; i < events.length; i++) {
      assert.equal(events[i]!.seq, events[i - 1]!.seq + 1, `seq of ${events[i]!.event} follows ${events[i - 1]!.event}`);
    }
  }

  it('one call, answered, wrapped up, then logout: create ready offer delivered hangup wrapup wrapup_end ready delete', async () => {
    const id = await t.addRecipient({ first_name: 'Evie', last_name: 'Events' });
    const log = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${t.accountId}.${id}.*`]);
    try {
      const client = busClient(sys);
      const call = callOf(Q);
      await action(id, { action: 'login' });
      await setStatus(id, { status: 'ready' });
      await client.offer(t.accountId, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 60 });
      await client.answer(t.accountId, id, call.session_id);
      await client.hangup(t.accountId, id, call.session_id);
      await action(id, { action: 'wrapup_cancel' });
      await action(id, { action: 'logout' });
      await log.next(id, 'delete');

      const names = log.events.map((e) => e.event);
      assert.deepEqual(names, ['create', 'ready', 'offer', 'delivered', 'hangup', 'wrapup', 'wrapup_end', 'ready', 'delete']);
      assertContiguous(log.events);
      log.events.forEach((e, i) => {
        assert.equal(log.routingKeys[i], recipientEventKey(t.accountId, id, e.event));
        assert.equal(e.account_id, t.accountId);
        assert.equal(e.recipient_id, id);
        assert.equal(e.node, 'e2e-worker');
      });
      const [create, ready, offer, delivered, hangup, wrapup, wrapupEnd, ready2, del] = log.events as [RecipientEvent, ...RecipientEvent[]] & RecipientEvent[];
      assert.equal(create.status.availability_state, 'Away');
      assert.equal(ready!.status.availability_state, 'Ready');
      assert.equal(ready!.status.available, true);
      assert.deepEqual(offer!.call, call);
      assert.deepEqual(offer!.status.offered_call, call);
      assert.deepEqual(delivered!.call, call);
      assert.equal(delivered!.status.availability_state, 'On-A-Call');
      assert.equal(delivered!.status.stats?.total_calls, 1);
      assert.deepEqual(hangup!.call, call);
      // hangup and wrapup come from the same transition: both carry the status after it
      assert.equal(hangup!.status.availability_state, 'Wrapup-Time');
      assert.equal(wrapup!.status.wrapup_time_seconds, 60);
      assert.equal(wrapupEnd!.reason, 'cancelled');
      assert.equal(ready2!.status.availability_state, 'Ready');
      assert.deepEqual(del!.status, { available: false, availability_state: 'Not-Logged-In' });
      assert.equal(del!.final_stats?.total_calls, 1);
      assert.equal(del!.final_stats?.missed_calls, 0);
      assert.ok(log.events.every((e, i) => i === 0 || e.timestamp >= log.events[i - 1]!.timestamp));
    } finally {
      await log.stop();
    }
  });

  it('misses and withdrawals: offer reject ready, offer miss ready, offer withdraw ready; per-queue and deferred changes have their own events', async () => {
    const id = await t.addRecipient({ first_name: 'Mia', last_name: 'Events' });
    const log = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${t.accountId}.${id}.*`]);
    try {
      const client = busClient(sys);
      await action(id, { action: 'login' });
      await setStatus(id, { status: 'ready' });
      const c1 = callOf(Q);
      await client.offer(t.accountId, id, { call: c1, offer_timeout_seconds: 30, wrapup_seconds: 0 });
      await client.reject(t.accountId, id, c1.session_id);
      const c2 = callOf(Q);
      await client.offer(t.accountId, id, { call: c2, offer_timeout_seconds: 1, wrapup_seconds: 0 });
      const missFrom = log.mark;
      await log.next(id, 'miss', missFrom, 5_000);
      await log.next(id, 'ready', missFrom);
      const c3 = callOf(Q);
      await client.offer(t.accountId, id, { call: c3, offer_timeout_seconds: 30, wrapup_seconds: 0 });
      await client.withdraw(t.accountId, id, c3.session_id, { reason: 'caller_hangup' });
      await setStatus(id, { status: 'away', queue_id: Q });
      const c4 = callOf('e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5');
      await client.offer(t.accountId, id, { call: c4, offer_timeout_seconds: 30, wrapup_seconds: 0 });
      await client.answer(t.accountId, id, c4.session_id);
      await setStatus(id, { status: 'away' });
      await client.hangup(t.accountId, id, c4.session_id);
      await log.next(id, 'away');

      assert.deepEqual(
        log.events.map((e) => e.event),
        [
          'create',
          'ready',
          'offer',
          'reject',
          'ready',
          'offer',
          'miss',
          'ready',
          'offer',
          'withdraw',
          'ready',
          'queue_status',
          'offer',
          'delivered',
          'next_state',
          'hangup',
          'away',
        ],
      );
      assertContiguous(log.events);
      const byName = (n: string) => log.events.filter((e) => e.event === n);
      assert.deepEqual(byName('reject')[0]!.call, c1);
      assert.equal(byName('reject')[0]!.status.stats?.missed_calls, 1);
      assert.deepEqual(byName('miss')[0]!.call, c2);
      assert.equal(byName('miss')[0]!.status.stats?.missed_calls, 2);
      assert.equal(byName('withdraw')[0]!.reason, 'caller_hangup');
      assert.equal(byName('withdraw')[0]!.status.stats?.missed_calls, 2, 'a withdrawal is not a miss');
      assert.equal(byName('queue_status')[0]!.queue_id, Q);
      assert.deepEqual(byName('queue_status')[0]!.status.queue_availability, { [Q]: false });
      assert.equal(byName('next_state')[0]!.status.next_state, 'Away');
      assert.equal(byName('away')[0]!.reason, undefined, 'away by choice has no reason');
    } finally {
      await log.stop();
    }
  });

  it('a new login numbers its events above every earlier one (gaps are detectable across sessions)', async () => {
    const id = await t.addRecipient({ first_name: 'Seq', last_name: 'Events' });
    const log = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${t.accountId}.${id}.*`]);
    try {
      await action(id, { action: 'login' });
      await action(id, { action: 'logout' });
      await log.next(id, 'delete');
      const mark = log.mark;
      await action(id, { action: 'login' });
      const create2 = await log.next(id, 'create', mark);
      const firstSession = log.events.slice(0, mark);
      assert.deepEqual(firstSession.map((e) => e.event), ['create', 'delete']);
      assertContiguous(firstSession);
      assert.ok(create2.seq > firstSession[1]!.seq);
    } finally {
      await log.stop();
    }
  });
});
