import assert from 'node:assert/strict';
import { leastOffers } from '../../../src/queue/routers/least-offers.js';
import { SESSION, T0, cand } from './support.js';

describe('router: least offers', () => {
  const table = [
    { name: 'fewest offers first', cands: [cand('a', { offers: 4 }), cand('b', { offers: 2 }), cand('c', { offers: 3 })], order: ['b', 'c', 'a'] },
    { name: 'handled calls do not matter', cands: [cand('a', { offers: 1, handled_calls: 0 }), cand('b', { offers: 0, handled_calls: 9 })], order: ['b', 'a'] },
    { name: 'tie → longest idle first', cands: [cand('a', { offers: 1, idle_since: T0 }), cand('b', { offers: 1, idle_since: T0 - 1 })], order: ['b', 'a'] },
    { name: 'tie on offers and idle → recipient id', cands: [cand('c'), cand('b')], order: ['b', 'c'] },
  ];
  for (const row of table) it(row.name, () => assert.deepEqual(leastOffers.route(row.cands, SESSION, null).order, row.order));

  it('avoids the least-calls caveat: a member who keeps rejecting gets fewer and fewer turns', () => {
    // a rejects (offers grow, no calls); b answers (offers and calls grow): they alternate
    const offers: Record<string, number> = { a: 0, b: 0 };
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = leastOffers.route([cand('a', { offers: offers['a'] }), cand('b', { offers: offers['b'], handled_calls: offers['b'] })], SESSION, null);
      const pick = r.order[0]!;
      picks.push(pick);
      offers[pick]! += 1;
    }
    assert.deepEqual(picks, ['a', 'b', 'a', 'b', 'a', 'b']);
  });
});
