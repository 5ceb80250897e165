/**
 * The session machine and the queue machine wired as the queue process will wire them: KAZOO's
 * messages go to the session, a checked join goes to the queue, the queue's outcome effects come
 * back to the session. Checks the hand-offs, not the machines' rules (tested on their own).
 */
import assert from 'node:assert/strict';
import { callerOf, type JoinQueueMessage } from '@qubicle/contracts';
import type { QueueEffect } from '../../../src/queue/machine/index.js';
import { sessionTransition, type CallerSessionState, type JoinCheck, type SessionInput } from '../../../src/queue/session/index.js';
import { ACCOUNT, QUEUE, QueueHarness, R, T0 } from '../support/queue-fixtures.js';

const CALL = { 'Call-ID': 'call-1', 'Caller-ID-Name': 'Alice', 'Caller-ID-Number': '+1555' };

class Wiring {
  readonly queue = new QueueHarness().start([R(1)]);
  session: CallerSessionState | null = null;
  private n = 0;

  toSession(input: SessionInput): unknown {
    const r = sessionTransition(this.session, input, { now: T0, node: 'n1', newSessionId: () => 'sess-1' });
    this.session = r.state;
    for (const e of r.effects) {
      if (e.type !== 'hangup_in_queue') continue;
      // the host's queue_hangup: the queue's answer decides, its effects (end_session) come back too
      const q = this.queue.hangup(e.session_id);
      const removed = (q.reply as { data: { removed: boolean } }).data.removed;
      this.fromQueue(q.effects);
      this.toSession({ type: 'queue_hangup_done', session_id: e.session_id, queue_id: e.queue_id, removed });
    }
    return (r.reply as { data: unknown }).data;
  }

  /** The queue's outcome effects, as the process forwards them to the session. */
  fromQueue(effects: QueueEffect[]): void {
    for (const e of effects) {
      if (e.type === 'session_delivered') this.toSession({ type: 'session_delivered', session_id: e.session_id, queue_id: QUEUE, recipient_id: e.recipient_id });
      if (e.type === 'end_session') this.toSession({ type: 'session_ended', session_id: e.session_id, queue_id: QUEUE, reason: e.reason });
    }
  }

  createSession(): string {
    const data = this.toSession({ type: 'create_session', input_id: `m${++this.n}`, account_id: ACCOUNT, call_id: 'call-1', session_type: 'call', ...callerOf(CALL) }) as { session_id: string };
    return data.session_id;
  }

  /** join_queue: the session checks, the queue decides, the session records it. */
  joinQueue(msg: Pick<JoinQueueMessage, 'Session-ID' | 'Join-Queue-ID'>): unknown {
    const check = this.toSession({ type: 'join_queue', input_id: `m${++this.n}`, session_id: msg['Session-ID'], queue_id: msg['Join-Queue-ID'] }) as JoinCheck;
    if (!check.ok) return check;
    const joined = this.queue.join(check.session_id, 0, { call_id: 'call-1', ...callerOf(CALL) });
    this.fromQueue(this.queue.last.effects);
    if (joined.joined) this.toSession({ type: 'queue_joined', session_id: check.session_id, queue_id: check.queue_id });
    return joined;
  }
}

describe('session machine + queue machine, wired', () => {
  it('a call answered then hung up: delivered by the queue, handled by the session', () => {
    const w = new Wiring();
    const sid = w.createSession();
    w.queue.ready(R(1));
    assert.deepEqual(w.joinQueue({ 'Session-ID': sid, 'Join-Queue-ID': QUEUE }), { joined: true, position: 1, estimated_wait: 0 });
    assert.equal(w.session!.phase, 'queued');
    assert.equal(w.queue.offeredTo(sid), R(1));
    w.fromQueue(w.queue.answered(R(1), sid).effects);
    assert.equal(w.session!.phase, 'delivered');
    assert.deepEqual(w.toSession({ type: 'delete_session', input_id: 'bye' }), { session_id: sid, end_reason: 'handled' });
  });

  it('the caller hangs up while ringing: the queue withdraws the offer, the session ends abandoned once', () => {
    const w = new Wiring();
    const sid = w.createSession();
    w.queue.ready(R(1));
    w.joinQueue({ 'Session-ID': sid, 'Join-Queue-ID': QUEUE });
    assert.deepEqual(w.toSession({ type: 'delete_session', input_id: 'bye' }), { session_id: sid, pending: true });
    assert.deepEqual(w.queue.last.effects.filter((e) => e.type === 'withdraw').map((e) => (e as { reason: string }).reason), ['caller_hangup']);
    assert.equal(w.session!.phase, 'queued', 'the withdraw’s outcome decides');
    // the recipient was still ringing: withdrawn, the queue reports the end
    w.fromQueue(w.queue.withdrawn(R(1), sid).effects);
    assert.equal(w.queue.s.sessions.length, 0);
    assert.equal(w.session!.end_reason, 'abandoned');
    assert.equal(w.session!.seq, 2, 'one create, one delete');
  });

  it('the caller hangs up while ringing but the recipient had answered first: handled, not abandoned', () => {
    const w = new Wiring();
    const sid = w.createSession();
    w.queue.ready(R(1));
    w.joinQueue({ 'Session-ID': sid, 'Join-Queue-ID': QUEUE });
    w.queue.ringing(R(1), sid);
    w.toSession({ type: 'delete_session', input_id: 'bye' });
    // the answer's delivered event reaches the queue after the hangup
    w.fromQueue(w.queue.answered(R(1), sid).effects);
    assert.equal(w.session!.end_reason, 'handled');
    assert.equal(w.session!.recipient_id, R(1));
    assert.equal(w.queue.status_().stats.abandoned_sessions, 0);
  });

  it('answered, but the hangup reaches the session before the queue’s delivered report: still handled', () => {
    const w = new Wiring();
    const sid = w.createSession();
    w.queue.ready(R(1));
    w.joinQueue({ 'Session-ID': sid, 'Join-Queue-ID': QUEUE });
    const delivered = w.queue.answered(R(1), sid).effects; // the queue decided; its report is on the way
    assert.deepEqual(w.toSession({ type: 'delete_session', input_id: 'bye' }), { session_id: sid, pending: true });
    assert.equal(w.session!.phase, 'queued', 'the queue no longer held the caller: its report decides');
    w.fromQueue(delivered);
    assert.equal(w.session!.end_reason, 'handled');
    assert.equal(w.session!.recipient_id, R(1));
  });

  it('a join_queue for an unknown session never reaches the queue', () => {
    const w = new Wiring();
    assert.deepEqual(w.joinQueue({ 'Session-ID': 'nope', 'Join-Queue-ID': QUEUE }), { ok: false, reason: 'unknown_session' });
    assert.equal(w.queue.s.sessions.length, 0);
  });
});
