import assert from 'node:assert/strict';
import { idempotentCommandId } from '@qubicle/contracts';
import { ACCOUNT, Session, assertRefused, cmd, events, offerCmd } from '../support/machine-fixtures.js';

const SUPERVISOR = 'b'.repeat(32);
const scope = (c: string) => c.repeat(32);
const body = (c: string) => c.repeat(16);

describe('machine: expected_revision (If-Match) and Idempotency-Key ids', () => {
  it('the status revision is the seq of the last change, and grows with every applied change', () => {
    const sess = new Session().login();
    const r1 = sess.s.seq;
    assert.equal(sess.last.reply.ok && (sess.last.reply.data as { revision?: number }).revision, r1);
    sess.ready();
    assert.ok(sess.s.seq > r1);
    assert.equal(sess.last.reply.ok && (sess.last.reply.data as { revision?: number }).revision, sess.s.seq);
  });

  it('a stale expected_revision is refused with conflict (cause: the current revision), nothing applied', () => {
    const sess = new Session().login();
    const stale = sess.s.seq;
    sess.ready();
    const before = sess.state;
    const r = sess.apply(cmd({ type: 'set_status', status: 'away', expected_revision: stale }), true);
    assertRefused(before, r, 'conflict');
    assert.equal(!r.reply.ok && r.reply.error.code === 'conflict' && r.reply.error.cause, String(sess.s.seq));
  });

  it('the current expected_revision applies; 0 means "only if not logged in"', () => {
    const sess = new Session();
    sess.apply(cmd({ type: 'login', expected_revision: 0 }));
    assert.equal(sess.s.availability_state, 'Away');
    assertRefused(sess.state, sess.apply(cmd({ type: 'logout', expected_revision: 0 }), true), 'conflict');
    sess.apply(cmd({ type: 'set_status', status: 'ready', expected_revision: sess.s.seq }));
    assert.equal(sess.s.availability_state, 'Ready');
  });

  it('a retried command with a revision that moved on since is answered as a duplicate, not a conflict', () => {
    const sess = new Session().login();
    const ready = cmd({ type: 'set_status', status: 'ready', expected_revision: sess.s.seq });
    sess.apply(ready);
    const before = sess.state;
    const again = sess.apply(ready);
    assert.equal(again.state, before);
    assert.deepEqual(again.effects, []);
  });

  it('the same Idempotency-Key scope with another body is refused (idempotency_key_reused), nothing applied', () => {
    const sess = new Session().login();
    sess.apply(cmd({ type: 'set_status', status: 'ready' }, { command_id: idempotentCommandId(scope('1'), body('a')) }));
    const before = sess.state;
    const r = sess.apply(cmd({ type: 'set_status', status: 'away' }, { command_id: idempotentCommandId(scope('1'), body('b')) }), true);
    assertRefused(before, r, 'idempotency_key_reused');
    // another scope (another user, account, route or key) is another command
    sess.apply(cmd({ type: 'set_status', status: 'away' }, { command_id: idempotentCommandId(scope('2'), body('b')) }));
    assert.equal(sess.s.availability_state, 'Away');
  });
});

describe('machine: the actor of every event', () => {
  it('a command by a user: actor user, and its audit_reason on every event', () => {
    const sess = new Session().login();
    const r = sess.apply({ ...cmd({ type: 'set_status', status: 'ready' }), by: { user_id: SUPERVISOR, priv_level: 'admin' }, audit_reason: 'back from the meeting' });
    const [e] = events(r);
    assert.deepEqual(e!.actor, { kind: 'user', id: SUPERVISOR });
    assert.equal(e!.audit_reason, 'back from the meeting');
  });

  it('an api token: actor account; a named service: actor bus; nobody named: bus:unknown', () => {
    const sess = new Session().login();
    const byToken = sess.apply({ ...cmd({ type: 'set_status', status: 'ready' }), by: { priv_level: 'admin' } });
    assert.deepEqual(events(byToken)[0]!.actor, { kind: 'account', id: ACCOUNT });
    const offer = sess.apply({ ...offerCmd('call-1'), by: { service: 'acd-queue' } });
    assert.deepEqual(events(offer)[0]!.actor, { kind: 'bus', id: 'acd-queue' });
    // a call event naming a user is still the bus's: no service can put a person in the audit trail
    const answer = sess.apply({ ...cmd({ type: 'answer', session_id: 'call-1' }), by: { user_id: SUPERVISOR } });
    assert.deepEqual(events(answer)[0]!.actor, { kind: 'bus', id: 'unknown' });
  });

  it('timers are timer:offer / timer:wrapup; the missed-call policy names itself on its away', () => {
    const sess = new Session({ ...new Session().ctx, account: { missed_call_threshold: 1, pro: false } }).login().ready().offered('call-1');
    const deadline = sess.s.offer_deadline!;
    sess.at(deadline);
    const miss = sess.apply({ type: 'offer_timeout', session_id: 'call-1', deadline });
    const [m, away] = events(miss);
    assert.deepEqual(m!.actor, { kind: 'timer', id: 'offer' });
    assert.equal(away!.event, 'away');
    assert.deepEqual(away!.actor, { kind: 'policy', id: 'missed_calls' });
  });

  it('the end of wrap-up by its timer is timer:wrapup', () => {
    const sess = new Session().login().ready().offered('call-1').answered('call-1').hungUp('call-1');
    const deadline = sess.s.wrapup_deadline!;
    sess.at(deadline);
    const end = sess.apply({ type: 'wrapup_end', deadline });
    assert.ok(events(end).every((e) => e.actor?.kind === 'timer' && e.actor.id === 'wrapup'));
  });
});
