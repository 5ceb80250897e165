import assert from 'node:assert/strict';
import { roundRobin, type RoundRobinState } from '../../../src/queue/routers/round-robin.js';
import { SESSION, cand } from './support.js';

/** Routes `calls` callers one after the other with everyone in `free` a candidate each time. */
function offersOver(steps: Array<string[]>, start: RoundRobinState = roundRobin.initialState()): { picks: string[]; state: RoundRobinState } {
  let state = start;
  const picks: string[] = [];
  for (const free of steps) {
    const r = roundRobin.route(free.map((id) => cand(id)), SESSION, state);
    picks.push(r.order[0]!);
    state = r.state;
  }
  return { picks, state };
}

describe('router: round robin (rounds)', () => {
  const table: Array<{ name: string; steps: string[][]; picks: string[] }> = [
    { name: 'everyone free: a fixed cycle by id', steps: [['c', 'a', 'b'], ['b', 'c', 'a'], ['a', 'b', 'c'], ['a', 'b', 'c']], picks: ['a', 'b', 'c', 'a'] },
    {
      name: 'a member busy (not a candidate) is skipped, then offered as soon as free, before the round restarts',
      steps: [['a', 'b', 'c'], ['a', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']],
      picks: ['a', 'c', 'b', 'a'],
    },
    {
      name: 'every candidate already offered this round → a new round (nobody waits for a busy member)',
      steps: [['a', 'b', 'c'], ['a', 'c'], ['a', 'c'], ['a', 'b', 'c']],
      // round 1: a, c; b busy; new round: a; then b (not yet offered in round 2)
      picks: ['a', 'c', 'a', 'b'],
    },
    {
      name: 'a member joining mid-round is in the round',
      steps: [['a', 'b'], ['a', 'b', 'z'], ['a', 'b', 'z'], ['a', 'b', 'z']],
      picks: ['a', 'b', 'z', 'a'],
    },
    {
      name: 'a member leaving mid-round: the round goes on without them',
      steps: [['a', 'b', 'c'], ['a', 'c'], ['a', 'c']],
      picks: ['a', 'c', 'a'],
    },
    { name: 'a single member gets every call', steps: [['a'], ['a'], ['a']], picks: ['a', 'a', 'a'] },
  ];
  for (const row of table) {
    it(row.name, () => assert.deepEqual(offersOver(row.steps).picks, row.picks));
  }

  it('an offer counts whatever its outcome: a member who refused or rejected is out of the round', () => {
    // the machine routes again after a refusal, with the refusing member no longer a candidate;
    // when they come back, the round has moved on
    let state = roundRobin.initialState();
    let r = roundRobin.route([cand('a'), cand('b'), cand('c')], SESSION, state); // a offered, refuses
    assert.equal(r.order[0], 'a');
    state = r.state;
    r = roundRobin.route([cand('b'), cand('c')], SESSION, state); // a not a candidate now
    assert.equal(r.order[0], 'b');
    state = r.state;
    r = roundRobin.route([cand('a'), cand('b'), cand('c')], SESSION, state); // a back: still out of this round
    assert.equal(r.order[0], 'c');
    assert.deepEqual(r.state.offered, ['a', 'b', 'c']);
    r = roundRobin.route([cand('a'), cand('b'), cand('c')], SESSION, r.state); // all offered → new round
    assert.equal(r.order[0], 'a');
    assert.deepEqual(r.state.offered, ['a']);
  });

  it('order lists the round first (by id), then those already offered; input order does not matter', () => {
    const state: RoundRobinState = { offered: ['a', 'c'] };
    assert.deepEqual(roundRobin.route([cand('d'), cand('c'), cand('b'), cand('a')], SESSION, state).order, ['b', 'd', 'a', 'c']);
    assert.deepEqual(roundRobin.route([cand('a'), cand('b'), cand('c'), cand('d')], SESSION, state).order, ['b', 'd', 'a', 'c']);
  });

  it('figures do not matter (calls, offers, idle): it is a cycle', () => {
    const r = roundRobin.route([cand('b', { handled_calls: 0, idle_since: 1 }), cand('a', { handled_calls: 99, offers: 99 })], SESSION, roundRobin.initialState());
    assert.equal(r.order[0], 'a');
  });

  it('a state that is not a round-robin state (another router before) is read as a fresh round', () => {
    const r = roundRobin.route([cand('b'), cand('a')], SESSION, null as unknown as RoundRobinState);
    assert.deepEqual(r.state, { offered: ['a'] });
  });

  it('the state stays serialisable and is not shared with the input', () => {
    const before: RoundRobinState = { offered: ['a'] };
    const r = roundRobin.route([cand('a'), cand('b')], SESSION, before);
    assert.deepEqual(before, { offered: ['a'] });
    assert.deepEqual(JSON.parse(JSON.stringify(r.state)), { offered: ['a', 'b'] });
  });
});
