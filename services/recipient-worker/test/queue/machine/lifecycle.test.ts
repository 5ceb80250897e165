import assert from 'node:assert/strict';
import { transition } from '../../../src/queue/machine/index.js';
import { ACCOUNT, QUEUE, QueueHarness, R, effectsOf, eventNames, eventsOf, offersIn, settings } from '../support/queue-fixtures.js';

describe('queue machine: lifecycle, settings, roster', () => {
  it('start: a fresh state, event create; started again it keeps its callers (no second create)', () => {
    const q = new QueueHarness().start([R(1)]);
    assert.deepEqual(eventNames(q.last), ['create']);
    const ev = eventsOf(q.last)[0]!;
    assert.equal(ev.account_id, ACCOUNT);
    assert.equal(ev.queue_id, QUEUE);
    assert.equal(ev.seq, 1);
    assert.equal(ev.status.stats.recipient_count, 1);
    q.join('s1');
    q.apply({ type: 'start', input_id: q.nextInputId(), account_id: ACCOUNT, queue_id: QUEUE, settings: settings({ ring_timeout: 9 }), members: [R(1), R(2)] });
    assert.deepEqual(eventNames(q.last), []);
    assert.deepEqual(q.order(), ['s1']);
    assert.equal(q.s.settings.ring_timeout, 9);
    assert.deepEqual(q.memberIds(), [R(1), R(2)]);
  });

  it('inputs other than start/join/status on a queue that is not running', () => {
    const q = new QueueHarness();
    const r = q.apply({ type: 'get_status' });
    assert.equal(r.reply.ok, false);
    assert.equal(!r.reply.ok && r.reply.error.code, 'not_found');
    assert.equal(q.apply({ type: 'roster', input_id: 'x1', members: [] }).reply.ok, false);
    assert.equal(q.apply({ type: 'configure', input_id: 'x2', settings: settings() }).reply.ok, false);
    assert.deepEqual(q.apply({ type: 'stop', input_id: 'x3', reason: 'deleted' }).effects, [], 'stopping a stopped queue is fine');
  });

  it('configure: a new router starts from its initial state; ring time applies to the next offers only', () => {
    const q = new QueueHarness().start([R(1), R(2)]).ready(R(1)).ready(R(2));
    q.join('s1');
    assert.deepEqual(q.s.router_state, { offered: [R(1)] });
    q.apply({ type: 'configure', input_id: q.nextInputId(), settings: settings({ queue_router: 'route_least_calls', ring_timeout: 5 }) });
    assert.equal(q.s.router_state, null);
    q.join('s2');
    assert.equal(effectsOf(q.last, 'offer')[0]!.offer_timeout_seconds, 5);
  });

  it('configure: a shorter timeout moves every deadline; a caller past it times out at once', () => {
    const q = new QueueHarness().start([], { timeout: 600 });
    q.join('s1');
    q.later(100_000);
    q.join('s2');
    q.later(10_000);
    const r = q.apply({ type: 'configure', input_id: q.nextInputId(), settings: settings({ timeout: 60 }) });
    assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.session_id), ['s1']);
    assert.equal(q.s.sessions[0]!.deadline, q.s.sessions[0]!.entered_at + 60_000);
    assert.ok(effectsOf(r, 'arm_timer').some((t) => t.key === 'timeout:s2'));
  });

  it('roster: members added start unknown; removed ones go', () => {
    const q = new QueueHarness().start([R(1), R(2)]).ready(R(1));
    q.apply({ type: 'roster', input_id: q.nextInputId(), members: [R(2), R(3)] });
    assert.deepEqual(q.memberIds(), [R(2), R(3)]);
    assert.equal(q.member(R(3))!.availability_state, 'Not-Logged-In');
  });

  it('roster: a member removed while ringing keeps ringing (not withdrawn), gets nothing new, goes when it ends', () => {
    const q = new QueueHarness().start([R(1), R(2)]).ready(R(1));
    q.join('s1');
    const r = q.apply({ type: 'roster', input_id: q.nextInputId(), members: [R(2)] });
    assert.deepEqual(effectsOf(r, 'withdraw'), []);
    assert.equal(q.offeredTo('s1'), R(1));
    assert.equal(q.status_().stats.recipient_count, 1);
    q.ready(R(2));
    assert.equal(q.offeredTo('s1'), R(1), 'still one offer at a time');
    const miss = q.missed(R(1), 's1');
    assert.deepEqual(offersIn(miss), [['s1', R(2)]]);
    assert.equal(q.member(R(1)) !== undefined, false);
  });

  it('roster: a member removed while ringing who answers still serves the caller', () => {
    const q = new QueueHarness().start([R(1)]).ready(R(1));
    q.join('s1');
    q.apply({ type: 'roster', input_id: q.nextInputId(), members: [] });
    q.answered(R(1), 's1');
    assert.deepEqual(eventNames(q.last), ['delivered', 'leave']);
    assert.deepEqual(q.s.members, []);
  });

  it('roster: a member removed while ringing who rejects (force_away_on_reject): set Away, then gone', () => {
    const q = new QueueHarness().start([R(1)], { force_away_on_reject: true }).ready(R(1));
    q.join('s1');
    q.apply({ type: 'roster', input_id: q.nextInputId(), members: [] });
    const r = q.rejected(R(1), 's1');
    assert.deepEqual(effectsOf(r, 'set_away').map((e) => e.recipient_id), [R(1)]);
    assert.deepEqual(q.s.members, []);
    assert.deepEqual(q.order(), ['s1']);
  });

  it('roster: put back before the ring ended, the member stays', () => {
    const q = new QueueHarness().start([R(1)]).ready(R(1));
    q.join('s1');
    q.apply({ type: 'roster', input_id: q.nextInputId(), members: [] });
    q.apply({ type: 'roster', input_id: q.nextInputId(), members: [R(1)] });
    q.missed(R(1), 's1');
    assert.ok(q.member(R(1)) !== undefined);
    assert.equal(q.offeredTo('s1'), R(1));
  });

  it('stop (queue deleted): every caller exits, ringing offers withdrawn, event delete with final stats, state gone', () => {
    const q = new QueueHarness().start([R(1)]).ready(R(1));
    q.join('s1');
    q.join('s2');
    const r = q.apply({ type: 'stop', input_id: q.nextInputId(), reason: 'deleted' });
    assert.equal(r.state, null);
    assert.equal(r.effects[0]!.type, 'persist');
    assert.deepEqual(effectsOf(r, 'withdraw').map((w) => [w.session_id, w.recipient_id]), [['s1', R(1)]]);
    assert.deepEqual(effectsOf(r, 'end_session').map((e) => [e.session_id, e.reason]), [
      ['s1', 'exited'],
      ['s2', 'exited'],
    ]);
    assert.deepEqual(eventNames(r), ['leave', 'leave', 'delete']);
    const del = eventsOf(r).at(-1)!;
    assert.equal(del.reason, 'deleted');
    assert.equal(del.final_stats!.total_sessions, 2);
    assert.deepEqual((r.reply as { data: unknown }).data, del.final_stats);
  });

  it('remove_session (a supervisor takes a caller out): exited, a ringing offer withdrawn', () => {
    const q = new QueueHarness().start([R(1)]).ready(R(1));
    q.join('s1');
    const r = q.apply({ type: 'remove_session', input_id: q.nextInputId(), session_id: 's1' });
    assert.deepEqual(effectsOf(r, 'withdraw').map((w) => w.reason), ['other']);
    assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['exited']);
    assert.equal(q.status_().stats.abandoned_sessions, 0);
  });

  it('the machine never mutates the state it is given (runs here on a frozen state) and is deterministic', () => {
    const q = new QueueHarness().start([R(1), R(2)]).ready(R(1)).ready(R(2));
    q.join('s1');
    const frozen = q.state;
    const ctx = q.ctx();
    const a = transition(frozen, { type: 'join', input_id: 'j', session_id: 's9', call_id: 'c9', caller_id_name: '', caller_id_number: '', priority: 0 }, { ...ctx, newId: () => 'x' });
    const b = transition(frozen, { type: 'join', input_id: 'j', session_id: 's9', call_id: 'c9', caller_id_name: '', caller_id_number: '', priority: 0 }, { ...ctx, newId: () => 'x' });
    assert.deepEqual(a, b);
    assert.deepEqual(JSON.parse(JSON.stringify(a.state)), a.state, 'the state is plain JSON');
  });
});
