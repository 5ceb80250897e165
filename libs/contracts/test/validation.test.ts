import { strict as assert } from 'node:assert';
import {
  occupancyOf,
  validateBulkStatusQueryBody,
  validateBulkStatusSetBody,
  validateRecipientActionBody,
  validateShardMessage,
  validateStatusSetBody,
  validateUserWriteBody,
  validateDirectoryRequest,
  validateRecipientEvent,
  statusOf,
  type RecipientState,
} from '@qubicle/contracts';

const ID = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const Q = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

function details(v: { ok: boolean; details?: unknown }): any {
  assert.equal(v.ok, false, 'expected a validation failure');
  return v.details;
}

describe('contracts: validation errors are Crossbar details (data.<field>.<rule>)', () => {
  it('unknown action names the field, the rule and the cause', () => {
    const d = details(validateRecipientActionBody({ data: { action: 'dance' } }));
    assert.equal(d.action.enum.cause, 'dance');
    assert.match(d.action.enum.message, /enumerated/);
  });

  it('monitor without target: target.required', () => {
    const d = details(validateRecipientActionBody({ data: { action: 'monitor' } }));
    assert.ok(d.target.required);
  });

  it('monitor with a bad mode: mode.enum', () => {
    const d = details(validateRecipientActionBody({ data: { action: 'monitor', target: ID, mode: 'shout' } }));
    assert.ok(d.mode.enum);
  });

  it('missing data: data.required', () => {
    const d = details(validateRecipientActionBody({ action: 'login' }));
    assert.ok(d.data.required);
  });

  it('KAZOO clients add ui_metadata and accept_charges: accepted', () => {
    assert.ok(validateRecipientActionBody({ data: { action: 'login', ui_metadata: { ui: 'monster-ui' } }, accept_charges: true }).ok);
  });

  it('status: unknown status, queue_id not hex, login with queue_id', () => {
    assert.ok(details(validateStatusSetBody({ data: { status: 'busy' } })).status.enum);
    assert.ok(details(validateStatusSetBody({ data: { status: 'ready', queue_id: 'nope' } })).queue_id.pattern);
    assert.ok(details(validateStatusSetBody({ data: { status: 'login', queue_id: Q } })).status.enum);
  });

  it('bulk query: recipient_ids must be a non-empty array of ids', () => {
    assert.ok(details(validateBulkStatusQueryBody({ data: { recipient_ids: 'x' } }))['recipient_ids'].type);
    assert.ok(details(validateBulkStatusQueryBody({ data: { recipient_ids: [] } }))['recipient_ids'].minItems);
    assert.ok(details(validateBulkStatusQueryBody({ data: { recipient_ids: ['zz'] } }))['recipient_ids.0'].pattern);
  });

  it('bulk set: values must be statuses, keys ids, set_status true', () => {
    assert.ok(details(validateBulkStatusSetBody({ data: { set_status: true, [ID]: { global: 'sleep' } } }))[`${ID}.global`].enum);
    assert.ok(details(validateBulkStatusSetBody({ data: { set_status: true, [ID]: { [Q]: 'login' } } }))[`${ID}.${Q}`].enum);
    assert.ok(details(validateBulkStatusSetBody({ data: { set_status: true, 'not-an-id': { global: 'ready' } } }))['not-an-id'].additionalProperties);
    assert.ok(details(validateBulkStatusSetBody({ data: { set_status: false, [ID]: { global: 'ready' } } }))['set_status']);
  });

  it('users: password needs username; id cannot be written', () => {
    assert.ok(details(validateUserWriteBody({ data: { first_name: 'a', last_name: 'b', password: 'secret1' } })));
    assert.ok(details(validateUserWriteBody({ data: { first_name: 'a', last_name: 'b', id: ID } })));
    assert.ok(validateUserWriteBody({ data: { first_name: 'a', last_name: 'b', username: 'ab', password: 'secret1', timezone: 'UTC' } }).ok);
  });

  it('shard messages: routing table validates each command type', () => {
    const base = { command_id: 'cmd-12345678', account_id: ID, recipient_id: ID, shard_count: 64 };
    assert.ok(validateShardMessage({ type: 'login', ...base }).ok);
    assert.ok(validateShardMessage({ type: 'set_status', status: 'ready', queue_id: Q, ...base }).ok);
    assert.ok(!validateShardMessage({ type: 'set_status', status: 'login', ...base }).ok);
    assert.ok(!validateShardMessage({ type: 'explode', ...base }).ok);
    assert.ok(!validateShardMessage({ type: 'login', ...base, extra: 1 }).ok);
    assert.ok(
      validateShardMessage({
        type: 'offer',
        ...base,
        call: { queue_id: Q, session_id: 's1', caller_id_name: 'n', caller_id_number: '1', queue_enter_time: 1 },
        offer_timeout_seconds: 15,
        wrapup_seconds: 30,
      }).ok,
    );
  });

  it('directory requests: routing table validates each type', () => {
    assert.ok(validateDirectoryRequest({ type: 'auth_user', credentials: 'a'.repeat(32), account_name: 'demo' }).ok);
    assert.ok(!validateDirectoryRequest({ type: 'auth_user', credentials: 'short', account_name: 'demo' }).ok);
    assert.ok(validateDirectoryRequest({ type: 'cluster_info' }).ok);
    assert.ok(!validateDirectoryRequest({ type: 'drop_tables' }).ok);
  });

  it('events carry the status after the change and a sequence number', () => {
    const state: RecipientState = {
      account_id: ID,
      recipient_id: ID,
      login_session_id: 's',
      availability_state: 'Wrapup-Time',
      queue_availability: {},
      next_state: 'Away',
      away_reason: null,
      away_since: null,
      away_deadline: null,
      away_alert_deadline: null,
      pending_away: null,
      state_since: 990_000,
      time_in_state: { ready: 0, away: 0, call_offer: 0, on_a_call: 0, wrapup_time: 0 },
      time_in_reason: null,
      offered_call: null,
      offer_deadline: null,
      handling_call: null,
      answered_at: null,
      wrapup_seconds: 30,
      wrapup_deadline: 1_000_000 + 12_300,
      wiretapping_recipient: null,
      wiretap_mode: null,
      consecutive_misses: 0,
      total_talk_ms: 0,
      stats: { total_calls: 1, missed_calls: 0, avg_call_time: 60, login_time: 900, last_action_time: 1000, last_handled_time: 950 },
      seq: 4,
      recent_commands: [],
    };
    const status = statusOf(state, 1_000_000, 'n1');
    assert.equal(status.wrapup_time_seconds, 13);
    assert.equal(status.next_state, 'Away');
    const ok = validateRecipientEvent({ event: 'wrapup', account_id: ID, recipient_id: ID, seq: 4, timestamp: 1, node: 'n1', status });
    assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.details));
    assert.ok(!validateRecipientEvent({ event: 'wrapup', account_id: ID, recipient_id: ID, seq: 0, timestamp: 1, node: 'n1', status }).ok);
  });
});

describe('contracts: time in each state', () => {
  it('occupancy = (on a call + wrap-up) ÷ (logged in − away), 3 decimals; 0 with nothing but away', () => {
    assert.equal(occupancyOf({ ready: 100, away: 500, call_offer: 20, on_a_call: 240, wrapup_time: 40 }), 0.7);
    assert.equal(occupancyOf({ ready: 0, away: 30, call_offer: 0, on_a_call: 0, wrapup_time: 0 }), 0);
    assert.equal(occupancyOf({ ready: 1, away: 0, call_offer: 0, on_a_call: 1, wrapup_time: 1 }), 0.667);
  });
});
