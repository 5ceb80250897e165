import assert from 'node:assert/strict';
import {
  QUEUE_MESSAGE_TYPES,
  QUEUE_REPLY_SCHEMAS,
  isQueueMessageType,
  queueIdsOf,
  shardKeysOf,
  validateQueueMessage,
  validateQueueReply,
  validateShardMessage,
  SHARD_MESSAGE_TYPES,
} from '@qubicle/contracts';

const A = 'a'.repeat(32);
const Q = 'b'.repeat(32);
const R = 'c'.repeat(32);
const base = { command_id: 'cmd-00000001', account_id: A, shard_count: 8 };

describe('bus/queue messages', () => {
  it('every queue message has a reply schema, and none is also a shard (recipient) message', () => {
    assert.deepEqual(Object.keys(QUEUE_REPLY_SCHEMAS).sort(), [...QUEUE_MESSAGE_TYPES].sort());
    for (const t of QUEUE_MESSAGE_TYPES) assert.ok(!(SHARD_MESSAGE_TYPES as string[]).includes(t), t);
    assert.ok(isQueueMessageType('get_queue_status'));
    assert.ok(!isQueueMessageType('get_status'));
  });

  it('validates each message and names its queues', () => {
    const status = validateQueueMessage({ type: 'get_queue_status', ...base, queue_ids: [Q] });
    assert.ok(status.ok);
    if (status.ok) assert.deepEqual(queueIdsOf(status.value), [Q]);
    assert.ok(validateQueueMessage({ type: 'list_queue_sessions', ...base, queue_id: Q }).ok);
    assert.ok(validateQueueMessage({ type: 'ensure_queues_started', ...base, queue_ids: [Q] }).ok);
    assert.ok(validateQueueMessage({ type: 'queue_session_action', ...base, queue_id: Q, session_id: 's1', action: 'remove' }).ok);
    assert.ok(validateQueueMessage({ type: 'queue_session_action', ...base, queue_id: Q, session_id: 's1', action: 'assign', recipient_id: R }).ok);
    // assign names its recipient; no recipient_id field of the base; empty id lists; unknown keys
    assert.ok(!validateQueueMessage({ type: 'queue_session_action', ...base, queue_id: Q, session_id: 's1', action: 'assign' }).ok);
    assert.ok(!validateQueueMessage({ type: 'get_queue_status', ...base, queue_ids: [] }).ok);
    assert.ok(!validateQueueMessage({ type: 'get_queue_status', ...base, queue_ids: [Q], recipient_id: R }).ok);
    assert.ok(!validateQueueMessage({ type: 'list_queue_sessions', ...base, queue_id: 'nope' }).ok);
    assert.ok(!validateQueueMessage({ type: 'get_status', ...base, recipient_id: R }).ok);
  });

  it('the caller sessions’ messages are keyed by the call: each kind and report carries what it needs', () => {
    const create = validateQueueMessage({ type: 'session_request', ...base, kind: 'create_session', call_id: 'call-1', msg_id: 'm1', session_type: 'callflow', caller_id_name: '', caller_id_number: '' });
    assert.ok(create.ok);
    if (create.ok) assert.deepEqual(shardKeysOf(create.value), ['call-1']);
    assert.ok(!validateQueueMessage({ type: 'session_request', ...base, kind: 'create_session', call_id: 'call-1' }).ok, 'a create names its caller');
    assert.ok(validateQueueMessage({ type: 'session_request', ...base, kind: 'join_queue', call_id: 'call-1', session_id: 's1', queue_id: Q, priority: 3 }).ok);
    assert.ok(!validateQueueMessage({ type: 'session_request', ...base, kind: 'join_queue', call_id: 'call-1', session_id: 's1' }).ok, 'a join names its queue');
    assert.ok(validateQueueMessage({ type: 'session_request', ...base, kind: 'delete_session', call_id: 'call-1' }).ok);
    assert.ok(!validateQueueMessage({ type: 'session_request', ...base, kind: 'delete_session', call_id: 'call-1', message: {} }).ok, 'closed: no raw KAZOO message');
    const report = { type: 'session_report', ...base, call_id: 'call-1', session_id: 's1', queue_id: Q };
    const delivered = validateQueueMessage({ ...report, report: 'delivered', recipient_id: R });
    assert.ok(delivered.ok);
    if (delivered.ok) assert.deepEqual(shardKeysOf(delivered.value), ['call-1'], 'the call’s shard, not the queue’s');
    assert.ok(!validateQueueMessage({ ...report, report: 'delivered' }).ok, 'delivered names who answered');
    assert.ok(validateQueueMessage({ ...report, report: 'ended', reason: 'timed_out' }).ok);
    assert.ok(!validateQueueMessage({ ...report, report: 'ended', reason: 'handled' }).ok, 'handled is the session’s own end');
    assert.ok(validateQueueMessage({ ...report, report: 'redirected', to_queue_id: R, priority: 0, visited: [Q] }).ok);
    assert.ok(!validateQueueMessage({ ...report, report: 'redirected', priority: 0 }).ok, 'a redirect names where to');
    assert.ok(validateQueueReply('session_report', { applied: false }).ok);
    assert.ok(validateQueueReply('session_request', { 'Call-ID': 'call-1', 'Session-ID': 's1', Result: 'ok' }).ok);
    assert.ok(!validateQueueReply('session_request', { ok: true }).ok);
  });

  it('validates replies', () => {
    assert.ok(validateQueueReply('ensure_queues_started', { [Q]: { node: 'n1', started: true }, [R]: 'unknown_queue' }).ok);
    assert.ok(!validateQueueReply('ensure_queues_started', { [Q]: { node: 'n1' } }).ok);
    assert.ok(validateQueueReply('list_queue_sessions', { queue_id: Q, seq: 3, sessions: [] }).ok);
    assert.ok(
      validateQueueReply('list_queue_sessions', {
        queue_id: Q,
        seq: 3,
        sessions: [{ session_id: 's', call_id: 'c', caller_id_name: '', caller_id_number: '', priority: 0, state: 'ringing', position: 1, entered_at: new Date(0).toISOString(), wait: 1.5, recipient_id: R }],
      }).ok,
    );
    assert.ok(validateQueueReply('queue_session_action', { queue_id: Q, session_id: 's', action: 'remove', done: true }).ok);
    assert.ok(!validateQueueReply('queue_session_action', { queue_id: Q, session_id: 's', action: 'remove', done: false }).ok);
    assert.ok(validateQueueReply('get_queue_status', { [Q]: 'unknown_queue' }).ok);
    assert.ok(!validateQueueReply('get_queue_status', { [Q]: { seq: 1 } }).ok);
  });

  it('an offer may carry its queue fence', () => {
    const offer = {
      type: 'offer',
      command_id: 'cmd-00000002',
      account_id: A,
      recipient_id: R,
      shard_count: 8,
      call: { session_id: 's', queue_id: Q, caller_id_name: 'x', caller_id_number: '1', queue_enter_time: 0 },
      offer_timeout_seconds: 20,
      wrapup_seconds: 0,
    };
    assert.ok(validateShardMessage({ ...offer, queue_fence: { shard: 3, epoch: 7 } }).ok);
    assert.ok(!validateShardMessage({ ...offer, queue_fence: { shard: 3 } }).ok);
  });
});
