import assert from 'node:assert/strict';
import { mostIdle } from '../../../src/queue/routers/most-idle.js';
import { SESSION, T0, cand } from './support.js';

describe('router: most idle', () => {
  const table = [
    {
      name: 'oldest idle_since first',
      cands: [cand('a', { idle_since: T0 - 1000 }), cand('b', { idle_since: T0 - 60_000 }), cand('c', { idle_since: T0 })],
      order: ['b', 'a', 'c'],
    },
    { name: 'calls and offers do not matter', cands: [cand('a', { idle_since: T0, handled_calls: 0 }), cand('b', { idle_since: T0 - 1, handled_calls: 40, offers: 40 })], order: ['b', 'a'] },
    { name: 'tie (same second) → recipient id', cands: [cand('z'), cand('m'), cand('a')], order: ['a', 'm', 'z'] },
  ];
  for (const row of table) it(row.name, () => assert.deepEqual(mostIdle.route(row.cands, SESSION, null).order, row.order));
});
