import assert from 'node:assert/strict';
import { leastCalls } from '../../../src/queue/routers/least-calls.js';
import { SESSION, T0, cand } from './support.js';

describe('router: least calls', () => {
  const table = [
    { name: 'fewest handled calls first', cands: [cand('a', { handled_calls: 3 }), cand('b', { handled_calls: 1 }), cand('c', { handled_calls: 2 })], order: ['b', 'c', 'a'] },
    { name: 'offers do not matter', cands: [cand('a', { handled_calls: 1, offers: 0 }), cand('b', { handled_calls: 0, offers: 50 })], order: ['b', 'a'] },
    { name: 'tie → longest idle first', cands: [cand('a', { handled_calls: 1, idle_since: T0 }), cand('b', { handled_calls: 1, idle_since: T0 - 5000 })], order: ['b', 'a'] },
    { name: 'tie on calls and idle → recipient id', cands: [cand('b'), cand('a'), cand('c')], order: ['a', 'b', 'c'] },
  ];
  for (const row of table) it(row.name, () => assert.deepEqual(leastCalls.route(row.cands, SESSION, null).order, row.order));

  it('documented caveat: a member who keeps rejecting is offered again and again', () => {
    // a rejects every offer: no call handled, so a stays first however many offers it got
    const picks: string[] = [];
    let aOffers = 0;
    for (let i = 0; i < 5; i++) {
      const r = leastCalls.route([cand('a', { handled_calls: 0, offers: aOffers }), cand('b', { handled_calls: 1, offers: 1 })], SESSION, null);
      picks.push(r.order[0]!);
      aOffers++;
    }
    assert.deepEqual(picks, ['a', 'a', 'a', 'a', 'a']);
  });

  it('is stateless', () => assert.equal(leastCalls.route([cand('a')], SESSION, null).state, null));
});
