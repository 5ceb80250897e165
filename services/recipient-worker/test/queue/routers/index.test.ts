import assert from 'node:assert/strict';
import { QUEUE_ROUTERS } from '@qubicle/contracts';
import { ROUTERS, routerOf } from '../../../src/queue/routers/index.js';
import { SESSION, cand } from './support.js';

describe('router table', () => {
  it('every router name of the contract has a router, under its own name', () => {
    assert.deepEqual(Object.keys(ROUTERS).sort(), [...QUEUE_ROUTERS].sort());
    for (const name of QUEUE_ROUTERS) assert.equal(routerOf(name).name, name);
  });

  for (const name of QUEUE_ROUTERS) {
    it(`${name}: orders exactly the candidates, whatever their input order, with a serialisable state`, () => {
      const router = routerOf(name);
      const cands = [cand('c', { handled_calls: 1, offers: 2, idle_since: 5 }), cand('a', { handled_calls: 1, offers: 2, idle_since: 5 }), cand('b', { handled_calls: 1, offers: 2, idle_since: 5 })];
      const r1 = router.route(cands, SESSION, router.initialState());
      const r2 = router.route([...cands].reverse(), SESSION, router.initialState());
      assert.deepEqual([...r1.order].sort(), ['a', 'b', 'c']);
      assert.deepEqual(r1.order, r2.order, 'ties are broken deterministically');
      assert.deepEqual(JSON.parse(JSON.stringify(r1.state ?? null)), r1.state ?? null);
    });
  }
});
