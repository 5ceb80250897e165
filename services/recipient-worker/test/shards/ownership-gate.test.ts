/**
 * The ownership gate (shards/ownership-gate.ts): one admission per command, by the queue it came
 * from; the recipients checked against the admitted shard without another look-up.
 */
import assert from 'node:assert/strict';
import { shardOf, shardQueue, shardOfQueue } from '@qubicle/contracts';
import { ManualClock } from '../../src/clock.js';
import { LEASE_SAFETY } from '../../src/shards/ownership-gate.js';
import { heldGate } from '../support/gate.js';
import { ACCOUNT, NODE, T0 } from '../support/machine-fixtures.js';

const SHARDS = 4;
const TTL = 10_000;

/** A recipient id of ACCOUNT on `shard`. */
function idOn(shard: number, skip: string[] = []): string {
  for (let i = 0; ; i++) {
    const id = `e${i.toString(16).padStart(31, '0')}`;
    if (!skip.includes(id) && shardOf(ACCOUNT, id, SHARDS) === shard) return id;
  }
}

function setup() {
  const clock = new ManualClock(T0);
  return { clock, ...heldGate({ clock, shardCount: SHARDS, leaseTtlMs: TTL }) };
}

describe('shards: ownership gate', () => {
  it('a held shard is admitted with its fence; its recipients route, another shard\'s are misrouted (not retryable)', () => {
    const t = setup();
    const admission = t.gate.admit(shardOfQueue(shardQueue(2)));
    assert.equal(admission.kind, 'serve');
    if (admission.kind !== 'serve') return;
    assert.deepEqual(admission.fence, { shard: 2, epoch: 1, node: NODE });
    const a = idOn(2);
    const b = idOn(2, [a]);
    assert.equal(admission.route(ACCOUNT, [a, b]), null);
    const foreign = idOn(3);
    const error = admission.route(ACCOUNT, [a, foreign]);
    assert.equal(error?.code, 'misrouted');
    assert.match(error?.message ?? '', new RegExp(`${foreign} belongs to shard 3, not to shard 2`));
    assert.equal(admission.lost(), false);
  });

  it('a shard not held here → requeue (for its owner)', () => {
    const t = setup();
    t.release(1);
    assert.deepEqual(t.gate.admit(1), { kind: 'requeue', shard: 1 });
    assert.equal(t.gate.fenceOf(1), null);
    assert.equal(t.gate.serves(1), false);
  });

  it('not a shard queue (or one beyond the shard count) → misrouted', () => {
    const t = setup();
    for (const queue of [undefined, SHARDS, SHARDS + 7]) {
      const admission = t.gate.admit(queue);
      assert.equal(admission.kind, 'refuse');
      assert.equal(admission.kind === 'refuse' && admission.error.code, 'misrouted');
    }
  });

  it('a suspended shard → refused 503 at once, naming the store (the last renewal\'s fault first); no fence for writes', () => {
    const t = setup();
    t.suspend(0, 'a lease renewal is still waiting for the sqlite store');
    assert.deepEqual(t.gate.admit(0), {
      kind: 'refuse',
      error: { code: 'unavailable', message: `shard 0 is suspended on ${NODE}: its lease cannot be renewed (a lease renewal is still waiting for the sqlite store); retry` },
    });
    t.entries.get(0)!.storeFault = 'sqlite store unavailable: database is locked';
    assert.match(t.gate.suspension(0)!, /\(sqlite store unavailable: database is locked\)/);
    assert.equal(t.gate.fenceOf(0), null);
    assert.equal(t.gate.suspension(1), null, 'a served shard is not suspended');
  });

  it('by this node\'s own clock, at TTL×0.8 after the last renew the lease is not served, and the lease book is told at once', () => {
    const t = setup();
    t.clock.advance(Math.floor(TTL * LEASE_SAFETY) - 1);
    assert.equal(t.gate.admit(0).kind, 'serve');
    assert.deepEqual(t.stale, []);
    t.clock.advance(1);
    assert.deepEqual(t.gate.admit(0), { kind: 'requeue', shard: 0 });
    assert.deepEqual(t.stale, [0], 'reported (the lease book gives it up or suspends it)');
    assert.equal(t.gate.fenceOf(1), null, 'the same test for writes');
    assert.deepEqual(t.stale, [0, 1]);
  });

  it('an admission knows when its shard was lost while the command ran (requeue), not when it was only suspended', () => {
    const t = setup();
    const first = t.gate.admit(0);
    const second = t.gate.admit(1);
    assert.ok(first.kind === 'serve' && second.kind === 'serve');
    t.suspend(1, 'store down');
    assert.equal(second.lost(), false, 'suspended: still ours');
    t.lose(0);
    assert.equal(first.lost(), true);
    // forgotten and taken again (a newer record): the old admission is lost too
    t.release(2);
    const third = t.gate.admit(2);
    assert.equal(third.kind, 'requeue');
    const before = t.gate.admit(3);
    t.release(3);
    t.hold(3, 2);
    assert.ok(before.kind === 'serve' && before.lost(), 'admitted under epoch 1, now held under 2');
  });

  it('a fenced write is passed to the lease book', () => {
    const t = setup();
    t.gate.fenced(2);
    assert.deepEqual(t.fenced, [2]);
  });
});
