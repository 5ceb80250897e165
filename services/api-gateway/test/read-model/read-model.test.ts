import assert from 'node:assert/strict';
import { shardOf, type RecipientEvent, type RecipientEventName, type RecipientStatus } from '@qubicle/contracts';
import { RecipientReadModel } from '../../src/read-model/read-model.js';

const SHARDS = 8;
const ACC = 'a0000000000000000000000000000001';
const R1 = 'b0000000000000000000000000000001';
const R2 = 'b0000000000000000000000000000002';

function status(state: RecipientStatus['availability_state'], node = 'w1'): RecipientStatus {
  if (state === 'Not-Logged-In') return { available: false, availability_state: state };
  return {
    available: state === 'Ready',
    availability_state: state,
    queue_availability: {},
    wrapup_time_seconds: state === 'Wrapup-Time' ? 30 : 0,
    stats: { total_calls: 0, missed_calls: 0, avg_call_time: 0, login_time: 1, last_action_time: 1, last_handled_time: 0 },
    node,
  };
}

function event(rid: string, seq: number, name: RecipientEventName, s: RecipientStatus): RecipientEvent {
  return { event: name, account_id: ACC, recipient_id: rid, seq, timestamp: 1, node: s.node ?? 'w1', status: s };
}

function model(opts: { maxAgeMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const m = new RecipientReadModel({ shardCount: () => SHARDS, maxAgeMs: opts.maxAgeMs ?? 0, maxEntries: opts.maxEntries ?? 1000, clock: () => now });
  m.setActive(true);
  return { m, advance: (ms: number) => (now += ms) };
}

describe('read model', () => {
  it('serves the status of the last event; nothing before the subscription is up or after it is lost', () => {
    const m = new RecipientReadModel({ shardCount: () => SHARDS, maxAgeMs: 0, maxEntries: 10 });
    m.applyEvent(event(R1, 100, 'create', status('Away')));
    assert.equal(m.get(ACC, R1), undefined, 'inactive: events ignored, nothing served');
    m.setActive(true);
    m.applyEvent(event(R1, 100, 'create', status('Away')));
    m.applyEvent(event(R1, 101, 'ready', status('Ready')));
    assert.equal(m.get(ACC, R1)?.availability_state, 'Ready');
    m.setActive(false);
    assert.equal(m.get(ACC, R1), undefined, 'subscription lost: cleared');
    m.setActive(true);
    assert.equal(m.get(ACC, R1), undefined, 'back: starts empty (events were missed meanwhile)');
  });

  it('never goes back: older or duplicate events and replies are ignored; an equal seq refreshes (e.g. a new node)', () => {
    const { m } = model();
    m.applyEvent(event(R1, 100, 'create', status('Away')));
    m.applyEvent(event(R1, 101, 'ready', status('Ready')));
    m.applyEvent(event(R1, 100, 'create', status('Away')));
    assert.equal(m.get(ACC, R1)?.availability_state, 'Ready');
    const t = m.ticket(ACC, R1)!;
    m.observe(t, 100, status('Away'));
    assert.equal(m.get(ACC, R1)?.availability_state, 'Ready', 'a reply overtaken by an event');
    m.observe(t, 101, status('Ready', 'w2'));
    assert.equal(m.get(ACC, R1)?.node, 'w2');
    assert.equal(m.stats().stale, 2);
  });

  it('read your writes: a write reply applied before the answer wins over the older events still in flight', () => {
    const { m } = model();
    m.applyEvent(event(R1, 100, 'create', status('Away')));
    // POST ready: the reply (seq 101) arrives before its own event
    m.observe(m.ticket(ACC, R1)!, 101, status('Ready'));
    assert.equal(m.get(ACC, R1)?.availability_state, 'Ready');
    m.applyEvent(event(R1, 101, 'ready', status('Ready')));
    assert.equal(m.get(ACC, R1)?.availability_state, 'Ready');
    assert.equal(m.stats().gaps, 0);
  });

  it('a reply to an RPC sent before a reset (subscription lost, shard moved) is not applied', () => {
    const { m } = model();
    const before = m.ticket(ACC, R1)!;
    m.invalidateShards([shardOf(ACC, R1, SHARDS)]);
    m.observe(before, 100, status('Ready'));
    assert.equal(m.get(ACC, R1), undefined);
    const before2 = m.ticket(ACC, R1)!;
    m.setActive(false);
    m.setActive(true);
    m.observe(before2, 100, status('Ready'));
    assert.equal(m.get(ACC, R1), undefined);
    const fresh = m.ticket(ACC, R1)!;
    m.observe(fresh, 100, status('Ready'));
    assert.equal(m.get(ACC, R1)?.availability_state, 'Ready');
  });

  it('a gap (seq jump, not a new login) applies the event and drops the rest of its shard (resync on demand)', () => {
    const { m } = model();
    const shard = shardOf(ACC, R1, SHARDS);
    // a neighbour on the same shard
    let neighbour = '';
    for (let i = 3; i < 500 && !neighbour; i++) {
      const id = `b${String(i).padStart(31, '0')}`;
      if (shardOf(ACC, id, SHARDS) === shard) neighbour = id;
    }
    m.applyEvent(event(R1, 100, 'create', status('Away')));
    m.applyEvent(event(neighbour, 200, 'create', status('Ready')));
    const inFlight = m.ticket(ACC, neighbour)!;
    m.applyEvent(event(R1, 103, 'away', status('Away')));
    assert.equal(m.stats().gaps, 1);
    assert.equal(m.get(ACC, R1)?.availability_state, 'Away', 'the event itself is complete: kept');
    assert.equal(m.get(ACC, neighbour), undefined, 'the shard is read again');
    m.observe(inFlight, 200, status('Ready'));
    assert.equal(m.get(ACC, neighbour), undefined, 'a read begun before the resync does not count');
    // a new login jumps on purpose: not a gap
    m.applyEvent(event(R1, 104, 'delete', status('Not-Logged-In')));
    m.applyEvent(event(R1, 900_000, 'create', status('Away')));
    assert.equal(m.stats().gaps, 1);
  });

  it('converges after an owner change: the shard is dropped, the next read names the new owner, its events go on above', () => {
    const { m } = model();
    const shard = shardOf(ACC, R1, SHARDS);
    m.applyEvent(event(R1, 100, 'create', status('Away', 'w1')));
    m.applyEvent(event(R1, 101, 'ready', status('Ready', 'w1')));
    // w1 persisted 102 (away) and died before publishing it; w2 takes the shard
    m.invalidateShards([shard]);
    assert.equal(m.get(ACC, R1), undefined);
    m.observe(m.ticket(ACC, R1)!, 102, status('Away', 'w2'));
    assert.deepEqual([m.get(ACC, R1)?.availability_state, m.get(ACC, R1)?.node], ['Away', 'w2']);
    m.applyEvent(event(R1, 103, 'ready', status('Ready', 'w2')));
    assert.deepEqual([m.get(ACC, R1)?.availability_state, m.get(ACC, R1)?.node], ['Ready', 'w2']);
    // a late event of the dead owner is below: ignored
    m.applyEvent(event(R1, 102, 'away', status('Away', 'w1')));
    assert.equal(m.get(ACC, R1)?.node, 'w2');
  });

  it('not served: logged out (kept as a tombstone against late reads), wrap-up, entries older than maxAgeMs', () => {
    const { m, advance } = model({ maxAgeMs: 30_000 });
    m.applyEvent(event(R1, 100, 'create', status('Away')));
    const late = m.ticket(ACC, R1)!;
    m.applyEvent(event(R1, 101, 'delete', status('Not-Logged-In')));
    assert.equal(m.get(ACC, R1), undefined);
    m.observe(late, 100, status('Away'));
    assert.equal(m.get(ACC, R1), undefined, 'a read from before the logout does not bring it back');
    m.applyEvent(event(R2, 100, 'wrapup', status('Wrapup-Time')));
    assert.equal(m.get(ACC, R2), undefined, 'the countdown is the worker’s');
    m.applyEvent(event(R2, 101, 'ready', status('Ready')));
    assert.ok(m.get(ACC, R2));
    advance(30_001);
    assert.equal(m.get(ACC, R2), undefined, 'not confirmed for maxAgeMs: read again');
    m.observe(m.ticket(ACC, R2)!, 101, status('Ready'));
    assert.ok(m.get(ACC, R2), 'confirmed by the reply (same seq)');
  });

  it('keeps at most maxEntries (the oldest written goes)', () => {
    const { m } = model({ maxEntries: 2 });
    m.applyEvent(event(R1, 100, 'create', status('Away')));
    m.applyEvent(event(R2, 100, 'create', status('Away')));
    m.applyEvent(event('b0000000000000000000000000000003', 100, 'create', status('Away')));
    assert.equal(m.stats().entries, 2);
    assert.equal(m.get(ACC, R1), undefined);
    assert.ok(m.get(ACC, R2));
  });
});
