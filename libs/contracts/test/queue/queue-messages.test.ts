import { strict as assert } from 'node:assert';
import {
  accountQueueEventBinding,
  accountSessionEventBinding,
  callerOf,
  emptyServiceLevelCounts,
  queueEventKey,
  serviceLevelWindowOf,
  sessionEventKey,
  validateCreateSessionMessage,
  validateCreateSessionReply,
  validateDeleteSessionMessage,
  validateDeleteSessionReply,
  validateJoinQueueMessage,
  validateJoinQueueReply,
  validateQueueEvent,
  validateSessionEvent,
  waitBucketOf,
} from '@qubicle/contracts';

const A = 'a0000000000000000000000000000001';
const Q = 'c0000000000000000000000000000001';
const CALL = { 'Call-ID': 'call-abc@host', 'Caller-ID-Name': 'Alice', 'Caller-ID-Number': '+15551234', 'Account-ID': A, 'Custom-Channel-Vars': { x: 1 } };
const HEADERS = { 'Msg-ID': 'msg-1', 'App-Name': 'callflow', 'App-Version': '4.3.0', 'Event-Category': 'qubicle_session', 'Event-Name': 'create_session', 'Server-ID': 'targeted/abc', Node: 'kazoo@apps1' };

function details(v: { ok: boolean; details?: unknown }): any {
  assert.equal(v.ok, false, 'expected a validation failure');
  return v.details;
}

describe('contracts: caller-session messages (KAZOO fields)', () => {
  it('create_session as KAZOO sends it (default headers, unknown headers, a full Call record)', () => {
    assert.ok(validateCreateSessionMessage({ ...HEADERS, 'Account-ID': A, Call: CALL, 'Call-ID': 'call-abc@host', 'Session-Type': 'call', 'Some-New-Header': 1 }).ok);
    const d = details(validateCreateSessionMessage({ 'Account-ID': 'x', Call: 'no' }));
    assert.ok(d['Account-ID'].pattern && d.Call.type && d['Call-ID'].required && d['Session-Type'].required);
  });

  it('join_queue needs the session and the queue; Priority (ours) is 0..10', () => {
    const msg = { 'Account-ID': A, Call: CALL, 'Call-ID': 'c1', 'Join-Queue-ID': Q, 'Session-ID': 's1' };
    assert.ok(validateJoinQueueMessage(msg).ok);
    assert.ok(validateJoinQueueMessage({ ...msg, Priority: 10 }).ok);
    assert.ok(details(validateJoinQueueMessage({ ...msg, Priority: 11 })).Priority.maximum);
    assert.ok(details(validateJoinQueueMessage({ ...msg, 'Join-Queue-ID': 'q' }))['Join-Queue-ID'].pattern);
    assert.ok(details(validateJoinQueueMessage({ ...msg, 'Session-ID': undefined }))['Session-ID'].required);
  });

  it('delete_session names the call only', () => {
    assert.ok(validateDeleteSessionMessage({ 'Account-ID': A, Call: CALL, 'Call-ID': 'c1' }).ok);
    assert.ok(details(validateDeleteSessionMessage({ 'Account-ID': A, Call: CALL }))['Call-ID'].required);
  });

  it('replies: ok carries its figures, failed carries a reason from the list', () => {
    assert.ok(validateCreateSessionReply({ 'Call-ID': 'c1', 'Session-ID': 's1', Result: 'ok' }).ok);
    assert.ok(!validateCreateSessionReply({ 'Call-ID': 'c1', Result: 'ok' }).ok);
    assert.ok(validateJoinQueueReply({ 'Call-ID': 'c1', 'Session-ID': 's1', 'Join-Queue-ID': Q, Result: 'ok', Position: 3, 'Estimated-Wait': 40 }).ok);
    assert.ok(validateJoinQueueReply({ 'Call-ID': 'c1', 'Session-ID': 's1', 'Join-Queue-ID': Q, Result: 'failed', Reason: 'full' }).ok);
    assert.ok(!validateJoinQueueReply({ 'Call-ID': 'c1', 'Session-ID': 's1', 'Join-Queue-ID': Q, Result: 'failed', Reason: 'busy' }).ok);
    assert.ok(validateDeleteSessionReply({ 'Call-ID': 'c1', 'Session-ID': 's1', Result: 'ok', 'End-Reason': 'abandoned' }).ok);
    assert.ok(validateDeleteSessionReply({ 'Call-ID': 'c1', Result: 'failed', Reason: 'unknown_session' }).ok);
  });

  it('callerOf reads the caller id of the Call record, empty when absent', () => {
    assert.deepEqual(callerOf(CALL), { caller_id_name: 'Alice', caller_id_number: '+15551234' });
    assert.deepEqual(callerOf({}), { caller_id_name: '', caller_id_number: '' });
  });
});

describe('contracts: queue and session events', () => {
  const status = {
    active_recipient_count: 1,
    available_recipient_count: 0,
    stats: { estimated_wait: 0, average_wait: 0, recipient_count: 2, active_session_count: 1, total_sessions: 1, missed_sessions: 0, abandoned_sessions: 0 },
    node: 'n1',
    service_level: { threshold_seconds: 20, day: serviceLevelWindowOf(emptyServiceLevelCounts()), last_15_minutes: serviceLevelWindowOf(emptyServiceLevelCounts()) },
  };
  const caller = { session_id: 's1', call_id: 'c1', caller_id_name: 'A', caller_id_number: '1', priority: 0, queue_enter_time: 1 };
  const base = { account_id: A, queue_id: Q, seq: 1, timestamp: 1, node: 'n1', status };

  it('routing keys end with the event, bindings cover one account', () => {
    assert.equal(queueEventKey(A, Q, 'join'), `qubicle.queue.${A}.${Q}.join`);
    assert.equal(sessionEventKey(A, 's1', 'create'), `qubicle.session.${A}.s1.create`);
    assert.equal(accountQueueEventBinding(A), `qubicle.queue.${A}.*.*`);
    assert.equal(accountSessionEventBinding(A), `qubicle.session.${A}.*.*`);
  });

  it('each queue event requires its own fields', () => {
    assert.ok(validateQueueEvent({ ...base, event: 'join', caller, position: 1, estimated_wait: 0 }).ok);
    assert.ok(!validateQueueEvent({ ...base, event: 'join', caller }).ok);
    assert.ok(validateQueueEvent({ ...base, event: 'leave', caller, reason: 'abandoned', wait: 12.5 }).ok);
    assert.ok(!validateQueueEvent({ ...base, event: 'leave', caller, reason: 'bored', wait: 1 }).ok);
    assert.ok(validateQueueEvent({ ...base, event: 'delivered', caller, recipient_id: A, wait: 3 }).ok);
    assert.ok(validateQueueEvent({ ...base, event: 'delete', reason: 'deleted', final_stats: status.stats }).ok);
    assert.ok(!validateQueueEvent({ ...base, event: 'create', status: { ...status, stats: { ...status.stats, extra: 1 } } }).ok, 'stats keeps exactly its seven keys');
  });

  it('session events: delete says how it ended', () => {
    const s = { account_id: A, session_id: 's1', call_id: 'c1', seq: 1, timestamp: 1, node: 'n1', session_type: 'call', caller_id_name: 'A', caller_id_number: '1' };
    assert.ok(validateSessionEvent({ ...s, event: 'create' }).ok);
    assert.ok(validateSessionEvent({ ...s, event: 'delete', seq: 2, reason: 'handled', queue_id: Q, recipient_id: A }).ok);
    assert.ok(!validateSessionEvent({ ...s, event: 'delete', seq: 2 }).ok);
  });
});

describe('contracts: service level', () => {
  it('SL and SL2 as Asterisk defines them; null without a denominator', () => {
    const c = emptyServiceLevelCounts();
    assert.equal(serviceLevelWindowOf(c).sl_percent, null);
    assert.equal(serviceLevelWindowOf(c).sl2_percent, null);
    Object.assign(c, { answered: 3, answered_within: 2, abandoned: 1, abandoned_within: 1, timed_out: 5, turned_away: 2 });
    const w = serviceLevelWindowOf(c);
    assert.equal(w.sl_percent, 66.7);
    assert.equal(w.sl2_percent, 75);
  });

  it('wait buckets: inclusive upper bounds, a last one for longer waits', () => {
    assert.equal(waitBucketOf(0), 0);
    assert.equal(waitBucketOf(10_000), 0);
    assert.equal(waitBucketOf(10_001), 1);
    assert.equal(waitBucketOf(600_000), 6);
    assert.equal(waitBucketOf(600_001), 7);
    const w = serviceLevelWindowOf(emptyServiceLevelCounts());
    assert.equal(w.wait_buckets.length, 8);
    assert.equal(w.wait_buckets.at(-1)!.up_to_seconds, null);
  });
});
