import assert from 'node:assert/strict';
import { validateSessionEvent, type SessionEvent } from '@qubicle/contracts';
import { sessionTransition, type CallerSessionState, type SessionInput, type SessionTransitionResult } from '../../../src/queue/session/index.js';
import { ACCOUNT, OVERFLOW, QUEUE, R, T0, deepFreeze } from '../support/queue-fixtures.js';

class Sessions {
  state: CallerSessionState | null = null;
  readonly events: SessionEvent[] = [];
  last!: SessionTransitionResult;
  private ids = 0;
  private inputs = 0;

  apply(input: SessionInput): SessionTransitionResult {
    if (this.state) deepFreeze(this.state);
    const before = this.state;
    this.last = sessionTransition(this.state, input, { now: T0, node: 'n1', newSessionId: () => `sess-${++this.ids}` });
    this.state = this.last.state;
    for (const e of this.last.effects) {
      if (e.type !== 'publish') continue;
      const v = validateSessionEvent(e.event);
      assert.ok(v.ok, JSON.stringify(!v.ok && v.details));
      this.events.push(e.event);
    }
    if (this.state === before) assert.deepEqual(this.last.effects, []);
    return this.last;
  }

  id = (): string => `in-${++this.inputs}`;
  data = (): any => (this.last.reply as { data: unknown }).data;

  create(): this {
    this.apply({ type: 'create_session', input_id: this.id(), account_id: ACCOUNT, call_id: 'call-1', session_type: 'call', caller_id_name: 'Alice', caller_id_number: '+1555' });
    return this;
  }
  join(queueId = QUEUE, sessionId = this.state?.session_id ?? 'nope'): any {
    this.apply({ type: 'join_queue', input_id: this.id(), session_id: sessionId, queue_id: queueId });
    return this.data();
  }
  joined(queueId = QUEUE): this {
    this.apply({ type: 'queue_joined', session_id: this.state!.session_id, queue_id: queueId });
    return this;
  }
  hangup(input_id = this.id()): any {
    this.apply({ type: 'delete_session', input_id });
    return this.data();
  }
  /** the queue's answer to the hangup (queue_hangup): it still held the caller, or not */
  queueAnswered(removed: boolean): any {
    this.apply({ type: 'queue_hangup_done', session_id: this.state!.session_id, queue_id: this.state!.queue_id!, removed });
    return this.data();
  }
  sid = (): string => this.state!.session_id;
  deletes = () => this.events.filter((e) => e.event === 'delete');
}

describe('session machine: created → queued → delivered → ended, exactly once', () => {
  it('create_session: a session id, event create; again for the same call: the same id', () => {
    const s = new Sessions().create();
    assert.deepEqual(s.data(), { session_id: 'sess-1' });
    assert.deepEqual(s.events.map((e) => [e.event, e.seq]), [['create', 1]]);
    s.create();
    assert.deepEqual(s.data(), { session_id: 'sess-1' });
    assert.equal(s.events.length, 1);
  });

  it('join checks: unknown session, another queue while queued, after the end; the same queue again is fine', () => {
    const s = new Sessions();
    assert.deepEqual(s.join(QUEUE, 'sess-x'), { ok: false, reason: 'unknown_session' });
    s.create();
    assert.deepEqual(s.join(QUEUE, 'sess-other'), { ok: false, reason: 'unknown_session' });
    assert.deepEqual(s.join(), { ok: true, session_id: 'sess-1', queue_id: QUEUE });
    assert.deepEqual(s.last.effects, [{ type: 'persist' }], 'the check records the queue it goes to, nothing else');
    assert.equal(s.state!.joining, QUEUE);
    s.joined();
    assert.equal(s.state!.phase, 'queued');
    assert.deepEqual(s.join(OVERFLOW), { ok: false, reason: 'already_queued' });
    assert.deepEqual(s.join(QUEUE), { ok: true, session_id: 'sess-1', queue_id: QUEUE });
    s.hangup();
    assert.deepEqual(s.join(), { ok: false, reason: 'session_ended' });
  });

  it('hung up while in a queue: the queue is told first; it still held the caller → abandoned', () => {
    const s = new Sessions().create().joined();
    assert.deepEqual(s.hangup(), { session_id: 'sess-1', pending: true });
    assert.deepEqual(s.last.effects.find((e) => e.type === 'hangup_in_queue'), { type: 'hangup_in_queue', queue_id: QUEUE, session_id: 'sess-1' });
    assert.equal(s.deletes().length, 0, 'not ended before the queue answered');
    assert.deepEqual(s.queueAnswered(true), { session_id: 'sess-1', end_reason: 'abandoned' });
    assert.deepEqual(s.deletes().map((e) => [e.reason, e.queue_id, e.seq]), [['abandoned', QUEUE, 2]]);
  });

  it('race: the hangup first, the queue had already delivered the caller → handled when its report comes', () => {
    const s = new Sessions().create().joined();
    s.hangup();
    assert.equal(s.queueAnswered(false), null, 'the queue no longer held it: nothing decided yet');
    assert.equal(s.state!.phase, 'queued');
    assert.deepEqual(s.join(), { ok: false, reason: 'session_ended' }, 'a hung-up caller joins nothing');
    s.apply({ type: 'session_delivered', session_id: s.sid(), queue_id: QUEUE, recipient_id: R(1) });
    assert.deepEqual(s.deletes().map((e) => [e.reason, e.recipient_id, e.seq]), [['handled', R(1), 2]]);
    assert.deepEqual(s.hangup(), { session_id: 'sess-1', end_reason: 'handled' });
  });

  it('race: the hangup first, the queue had timed the caller out → timed_out (its report); no report at all → abandoned', () => {
    const s = new Sessions().create().joined();
    s.hangup();
    s.queueAnswered(false);
    s.apply({ type: 'session_ended', session_id: s.sid(), queue_id: QUEUE, reason: 'timed_out' });
    assert.deepEqual(s.deletes().map((e) => e.reason), ['timed_out']);
    const lost = new Sessions().create().joined();
    lost.hangup();
    lost.queueAnswered(false);
    lost.apply({ type: 'report_overdue', session_id: lost.sid() });
    assert.deepEqual(lost.deletes().map((e) => e.reason), ['abandoned']);
    lost.apply({ type: 'session_delivered', session_id: lost.sid(), queue_id: QUEUE, recipient_id: R(1) });
    assert.equal(lost.deletes().length, 1, 'a report after that changes nothing');
  });

  it('a join whose answer was lost: the hangup still tells that queue; a refused join tells none', () => {
    const s = new Sessions().create();
    s.join();
    assert.deepEqual(s.hangup(), { session_id: 'sess-1', pending: true });
    assert.deepEqual(s.last.effects.find((e) => e.type === 'hangup_in_queue'), { type: 'hangup_in_queue', queue_id: QUEUE, session_id: 'sess-1' });
    s.queueAnswered(true);
    assert.deepEqual(s.deletes().map((e) => [e.reason, e.queue_id]), [['abandoned', QUEUE]]);
    const refused = new Sessions().create();
    refused.join();
    refused.apply({ type: 'queue_join_refused', session_id: refused.sid(), queue_id: QUEUE });
    assert.equal(refused.state!.joining, null);
    assert.deepEqual(refused.hangup(), { session_id: 'sess-1', end_reason: 'abandoned' });
    assert.equal(refused.last.effects.some((e) => e.type === 'hangup_in_queue'), false);
  });

  it('report_overdue does nothing to a session that did not hang up', () => {
    const s = new Sessions().create().joined();
    const before = s.state;
    s.apply({ type: 'report_overdue', session_id: s.sid() });
    assert.equal(s.state, before);
  });

  it('reports about an earlier session of the call change nothing', () => {
    const s = new Sessions().create();
    s.hangup();
    s.create();
    const before = s.state;
    s.apply({ type: 'session_delivered', session_id: 'sess-1', queue_id: QUEUE, recipient_id: R(1) });
    s.apply({ type: 'session_ended', session_id: 'sess-1', queue_id: QUEUE, reason: 'exited' });
    assert.equal(s.state, before);
  });

  it('delivered, then the hangup: handled by that recipient', () => {
    const s = new Sessions().create().joined();
    s.apply({ type: 'session_delivered', session_id: s.sid(), queue_id: QUEUE, recipient_id: R(1) });
    assert.equal(s.state!.phase, 'delivered');
    assert.deepEqual(s.hangup(), { session_id: 'sess-1', end_reason: 'handled' });
    assert.deepEqual(s.deletes().map((e) => [e.reason, e.recipient_id]), [['handled', R(1)]]);
    assert.equal(s.last.effects.some((e) => e.type === 'hangup_in_queue'), false);
  });

  it('hung up before joining any queue: abandoned', () => {
    const s = new Sessions().create();
    assert.deepEqual(s.hangup(), { session_id: 'sess-1', end_reason: 'abandoned' });
  });

  it('ended by its queue (timed out, exited, abandoned there)', () => {
    const s = new Sessions().create().joined();
    s.apply({ type: 'session_ended', session_id: s.sid(), queue_id: QUEUE, reason: 'timed_out' });
    assert.deepEqual(s.deletes().map((e) => e.reason), ['timed_out']);
  });

  it('redirected: queued in the overflow queue, the same session', () => {
    const s = new Sessions().create().joined();
    s.joined(OVERFLOW);
    assert.equal(s.state!.queue_id, OVERFLOW);
    assert.equal(s.state!.session_id, 'sess-1');
    s.hangup();
    assert.deepEqual(s.last.effects.find((e) => e.type === 'hangup_in_queue'), { type: 'hangup_in_queue', queue_id: OVERFLOW, session_id: 'sess-1' });
    s.queueAnswered(true);
    assert.deepEqual(s.deletes().map((e) => [e.reason, e.queue_id]), [['abandoned', OVERFLOW]]);
  });

  it('whatever comes after the end changes nothing: a second hangup answers how it ended, a late delivered is ignored', () => {
    const s = new Sessions().create().joined();
    s.hangup();
    s.queueAnswered(true);
    const ended = s.state;
    assert.deepEqual(s.hangup(), { session_id: 'sess-1', end_reason: 'abandoned' });
    s.apply({ type: 'session_delivered', session_id: s.sid(), queue_id: QUEUE, recipient_id: R(1) });
    s.apply({ type: 'session_ended', session_id: s.sid(), queue_id: QUEUE, reason: 'abandoned' });
    s.queueAnswered(true);
    assert.equal(s.state, ended);
    assert.equal(s.deletes().length, 1, 'ended exactly once');
  });

  it('a redelivered delete_session (same id) is answered again, not applied twice', () => {
    const s = new Sessions().create().joined();
    s.hangup('del-1');
    const pending = s.state;
    assert.deepEqual(s.hangup('del-1'), { session_id: 'sess-1', pending: true }, 'still waiting for the queue: said so again');
    assert.equal(s.state, pending);
    s.queueAnswered(true);
    const before = s.state;
    assert.deepEqual(s.hangup('del-1'), { session_id: 'sess-1', end_reason: 'abandoned' });
    assert.equal(s.state, before);
  });

  it('after the end the same call starts a new session (a later qubicle step of the callflow); a redelivered create answers its own', () => {
    const s = new Sessions();
    s.apply({ type: 'create_session', input_id: 'create-A', account_id: ACCOUNT, call_id: 'call-1', session_type: 'call', caller_id_name: 'Alice', caller_id_number: '+1555' });
    s.joined();
    s.hangup();
    s.queueAnswered(true);
    s.apply({ type: 'create_session', input_id: 'create-A', account_id: ACCOUNT, call_id: 'call-1', session_type: 'call', caller_id_name: 'Alice', caller_id_number: '+1555' });
    assert.deepEqual(s.data(), { session_id: 'sess-1' }, 'the same Msg-ID: the session it created, ended or not');
    s.apply({ type: 'create_session', input_id: 'create-B', account_id: ACCOUNT, call_id: 'call-1', session_type: 'call', caller_id_name: 'Alice', caller_id_number: '+1555' });
    assert.deepEqual(s.data(), { session_id: 'sess-2' });
    assert.equal(s.state!.phase, 'created');
    assert.deepEqual(s.events.map((e) => [e.event, e.session_id, e.seq]), [['create', 'sess-1', 1], ['delete', 'sess-1', 2], ['create', 'sess-2', 1]]);
    s.apply({ type: 'create_session', input_id: 'create-A', account_id: ACCOUNT, call_id: 'call-1', session_type: 'call', caller_id_name: 'Alice', caller_id_number: '+1555' });
    assert.deepEqual(s.data(), { session_id: 'sess-1' }, 'late redelivery of the first create: still its own session, nothing new');
    assert.equal(s.state!.session_id, 'sess-2');
  });

  it('delete_session for an unknown call', () => {
    assert.deepEqual(new Sessions().hangup(), { ok: false, reason: 'unknown_session' });
  });
});
