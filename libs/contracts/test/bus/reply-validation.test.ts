import assert from 'node:assert/strict';
import {
  DIRECTORY_REPLY_SCHEMAS,
  DIRECTORY_REQUEST_TYPES,
  NOT_LOGGED_IN_STATUS,
  SHARD_MESSAGE_TYPES,
  SHARD_REPLY_SCHEMAS,
  validateDirectoryReply,
  validateShardReply,
} from '../../src/index.js';

const ID = 'a0000000000000000000000000000001';
const STATS = { total_calls: 0, missed_calls: 0, avg_call_time: 0, login_time: 1, last_action_time: 1, last_handled_time: 0 };
const READY = { available: true, availability_state: 'Ready', queue_availability: {}, wrapup_time_seconds: 0, stats: STATS, node: 'w1' };

describe('contracts: reply schemas', () => {
  it('every shard message and every directory request has one', () => {
    assert.deepEqual(Object.keys(SHARD_REPLY_SCHEMAS).sort(), [...SHARD_MESSAGE_TYPES].sort());
    assert.deepEqual(Object.keys(DIRECTORY_REPLY_SCHEMAS).sort(), [...DIRECTORY_REQUEST_TYPES].sort());
  });

  it('a status command answers a whole status (logged in) or Not-Logged-In, nothing else', () => {
    for (const type of ['login', 'logout', 'get_status', 'set_status', 'answer', 'hangup'] as const) {
      assert.ok(validateShardReply(type, READY).ok, type);
      assert.ok(validateShardReply(type, { ...NOT_LOGGED_IN_STATUS }).ok, type);
      assert.ok(!validateShardReply(type, { available: true, availability_state: 'Ready' }).ok, `${type}: a logged-in status without its fields`);
      assert.ok(!validateShardReply(type, 42).ok, type);
    }
  });

  it('offer: accepted, or refused with a known reason', () => {
    assert.ok(validateShardReply('offer', { accepted: true }).ok);
    assert.ok(validateShardReply('offer', { accepted: false, reason: 'busy' }).ok);
    assert.ok(!validateShardReply('offer', { accepted: false }).ok);
    assert.ok(!validateShardReply('offer', { accepted: false, reason: 'tired' }).ok);
    assert.ok(!validateShardReply('offer', READY).ok);
  });

  it('get_status_many: id → status or "not_logged_in"; get_snapshot: id → {seq, status}', () => {
    assert.ok(validateShardReply('get_status_many', { [ID]: READY, b0000000000000000000000000000001: 'not_logged_in' }).ok);
    assert.ok(!validateShardReply('get_status_many', { [ID]: 'gone' }).ok);
    assert.ok(validateShardReply('get_snapshot', { [ID]: { seq: 3, status: READY } }).ok);
    assert.ok(!validateShardReply('get_snapshot', { [ID]: READY }).ok);
  });

  it('directory replies are checked by request type', () => {
    assert.ok(validateDirectoryReply('cluster_info', { shard_count: 64 }).ok);
    assert.ok(!validateDirectoryReply('cluster_info', { shard_count: 0 }).ok);
    assert.ok(!validateDirectoryReply('cluster_info', {}).ok);
    assert.ok(validateDirectoryReply('token_check', { valid: false, reason: 'user_disabled' }).ok);
    assert.ok(!validateDirectoryReply('token_check', { valid: false }).ok);
    assert.ok(validateDirectoryReply('recipient_list', [{ id: ID, name: 'A B' }]).ok);
    assert.ok(!validateDirectoryReply('recipient_list', [{ id: ID }]).ok);
    assert.ok(validateDirectoryReply('auth_api', { account_id: ID, account_name: 'acme', priv_level: 'admin' }).ok);
    assert.ok(!validateDirectoryReply('auth_api', { account_id: ID, account_name: 'acme', priv_level: 'root' }).ok);
    const doc = { id: ID, account_id: ID, first_name: 'A', last_name: 'B', priv_level: 'user', enabled: true, qubicle: { enabled: true, permissions: { monitor: false } }, timezone: 'UTC' };
    assert.ok(validateDirectoryReply('user_get', { doc, rev: '1-abc' }).ok, 'other KAZOO fields pass through');
    assert.ok(!validateDirectoryReply('user_get', { doc }).ok);
  });

  it('an unknown message type has no reply schema: the validation fails, it does not throw', () => {
    const v = validateShardReply('steal', {});
    assert.equal(v.ok, false);
    assert.equal(validateDirectoryReply('__proto__', {}).ok, false);
  });
});
