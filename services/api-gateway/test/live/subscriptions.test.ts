/** What a live socket's principal may bind and see (src/live/subscriptions.ts). */
import assert from 'node:assert/strict';
import { liveBindingProblem, normalizeLiveBinding } from '@qubicle/contracts';
import type { Principal } from '../../src/auth/principal.js';
import { Refusal } from '../../src/live/replies.js';
import { Subscriptions, canSee, visibility } from '../../src/live/subscriptions.js';

const A = 'a'.repeat(32);
const R = 'b'.repeat(32);
const OTHER = 'c'.repeat(32);
const principal: Principal = { accountId: A, accountName: 'acme', privLevel: 'admin', tokenId: 'j', expiresAt: Number.MAX_SAFE_INTEGER };

function refusal(fn: () => unknown, code: Refusal['code']): void {
  assert.throws(fn, (err: unknown) => err instanceof Refusal && err.code === code, `a ${code} refusal`);
}

describe('live: bindings', () => {
  it('short forms are completed with *; # is left alone', () => {
    assert.equal(normalizeLiveBinding('qubicle.recipient.*'), 'qubicle.recipient.*.*');
    assert.equal(normalizeLiveBinding('qubicle.recipient'), 'qubicle.recipient.*.*');
    assert.equal(normalizeLiveBinding(`qubicle.recipient.${R}`), `qubicle.recipient.${R}.*`);
    assert.equal(normalizeLiveBinding('qubicle.recipient.#'), 'qubicle.recipient.#');
    assert.equal(normalizeLiveBinding('qubicle.recipient.*.ready'), 'qubicle.recipient.*.ready');
  });

  it('refuses bindings that can never match a recipient, queue or session event', () => {
    assert.equal(liveBindingProblem('qubicle.recipient.*'), undefined);
    assert.equal(liveBindingProblem('qubicle.*.*.delete'), undefined);
    assert.equal(liveBindingProblem('qubicle.queue.*'), undefined);
    assert.equal(liveBindingProblem('qubicle.session.*.delete'), undefined);
    assert.match(liveBindingProblem('qubicle.agent.*') ?? '', /only qubicle.recipient, qubicle.queue and qubicle.session/);
    assert.match(liveBindingProblem('qubicle.queue.*.ready') ?? '', /unknown event/);
    assert.match(liveBindingProblem('qubicle.session.*.join') ?? '', /unknown event/);
    assert.match(liveBindingProblem('qubicle.recipient.*.nope') ?? '', /unknown event/);
    assert.match(liveBindingProblem('qubicle.recipient.a.b.c') ?? '', /at most 4 words/);
  });

  it('visibility of a recipient to a binding', () => {
    assert.equal(canSee('qubicle.recipient.*.*', R), true);
    assert.equal(canSee(`qubicle.recipient.${R}.*`, R), true);
    assert.equal(canSee(`qubicle.recipient.${A}.*`, R), false);
    assert.equal(canSee('qubicle.recipient.*.ready', R), true);
  });
});

describe('live: subscriptions of one socket', () => {
  it('a principal binds only in its own account, only bindings that can match, at most the limit', () => {
    const subs = new Subscriptions(2);
    refusal(() => subs.plan(principal, { account_id: OTHER, binding: 'qubicle.recipient.*' }), 'forbidden');
    refusal(() => subs.plan(principal, { account_id: A, bindings: ['qubicle.recipient.*', 'qubicle.agent.*'] }), 'unsupported_binding');
    refusal(() => subs.plan(principal, { account_id: A, bindings: ['qubicle.recipient.*', `qubicle.recipient.${R}`, `qubicle.recipient.${OTHER}`] }), 'too_many_subscriptions');
    assert.equal(subs.size, 0, 'a refused message adds nothing');
  });

  it('plans without adding; a binding already held (or repeated in the message) is not new', () => {
    const subs = new Subscriptions(10);
    const first = subs.plan(principal, { account_id: A, binding: 'qubicle.recipient.*', name: 'board' });
    assert.deepEqual(first.requested, ['qubicle.recipient.*']);
    assert.equal(first.fresh.length, 1);
    assert.equal(first.fresh[0]!.subscriptionKey, 'qubicle.recipient.*.*');
    assert.equal(first.fresh[0]!.name, 'board');
    assert.equal(subs.size, 0, 'nothing is added until the snapshot was read');
    subs.add(first.fresh);
    const again = subs.plan(principal, { account_id: A, bindings: ['qubicle.recipient.*.*', 'qubicle.recipient', `qubicle.recipient.${R}`] });
    assert.equal(again.subs.length, 2, 'the two spellings of one binding are one subscription');
    assert.deepEqual(
      again.fresh.map((s) => s.subscriptionKey),
      [`qubicle.recipient.${R}.*`],
    );
    assert.equal(again.subs[0], first.fresh[0], 'the existing subscription, as it is');
  });

  it('unsubscribe: named bindings, all of them without bindings or without account_id (blackhole); never another account', () => {
    const subs = new Subscriptions(10);
    subs.add(subs.plan(principal, { account_id: A, bindings: ['qubicle.recipient.*', `qubicle.recipient.${R}`] }).fresh);
    refusal(() => subs.remove(principal, { account_id: OTHER }), 'forbidden');
    assert.deepEqual(subs.remove(principal, { account_id: A, binding: `qubicle.recipient.${R}.*` }), [`qubicle.recipient.${R}`], 'answered as subscribed');
    assert.deepEqual(subs.remove(principal, { account_id: A, binding: 'qubicle.recipient.nobody' }), []);
    assert.equal(subs.size, 1);
    assert.deepEqual(subs.remove(principal, undefined), ['qubicle.recipient.*']);
    assert.equal(subs.size, 0);
    subs.add(subs.plan(principal, { account_id: A, binding: 'qubicle.recipient.*' }).fresh);
    assert.deepEqual(subs.remove(principal, { account_id: A }), ['qubicle.recipient.*']);
    assert.deepEqual(subs.values(), []);
  });

  it('visibility of a recipient to a set of bindings (the recipients a snapshot includes)', () => {
    const subs = new Subscriptions(10);
    subs.add(subs.plan(principal, { account_id: A, bindings: [`qubicle.recipient.${R}`, 'qubicle.recipient.*.ready'] }).fresh);
    const named = visibility(subs.values().slice(0, 1));
    assert.equal(named(R), true);
    assert.equal(named(OTHER), false);
    const all = visibility(subs.values());
    assert.equal(all(OTHER), true, 'every recipient has ready events');
    assert.equal(visibility([])(R), false);
  });
});
