import assert from 'node:assert/strict';
import { topicMatches } from '../src/index.js';

describe('topicMatches', () => {
  const cases: Array<[pattern: string, key: string, expected: boolean]> = [
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.c', false],
    ['a.*.c', 'a.b.b.c', false],
    ['*', 'a', true],
    ['*', '', false],
    ['*', 'a.b', false],
    ['#', '', true],
    ['#', 'a', true],
    ['#', 'a.b.c', true],
    ['a.#', 'a', true],
    ['a.#', 'a.b.c', true],
    ['a.#', 'b.a', false],
    ['#.c', 'c', true],
    ['#.c', 'a.b.c', true],
    ['#.c', 'a.b.c.d', false],
    ['a.#.c', 'a.c', true],
    ['a.#.c', 'a.b.x.c', true],
    ['a.#.c', 'a.b.x.d', false],
    ['#.#', 'a', true],
    ['*.#', '', false],
    ['*.#', 'a', true],
    ['#.*', 'a.b', true],
    ['', '', true],
    ['', 'a', false],
    ['qubicle.recipient.*.*.ready', 'qubicle.recipient.acc1.rec1.ready', true],
    ['qubicle.recipient.*.*.ready', 'qubicle.recipient.acc1.rec1.away', false],
    ['qubicle.recipient.acc1.#', 'qubicle.recipient.acc1.rec1.away', true],
    ['qubicle.recipient.acc1.#', 'qubicle.recipient.acc2.rec1.away', false],
    ['a.b*.c', 'a.bx.c', false], // '*' is a whole word only
    ['a.b*.c', 'a.b*.c', true],
  ];
  for (const [pattern, key, expected] of cases) {
    it(`'${pattern}' ${expected ? 'matches' : 'does not match'} '${key}'`, () => {
      assert.equal(topicMatches(pattern, key), expected);
    });
  }

  it('stays fast with many # wildcards', () => {
    const pattern = Array.from({ length: 30 }, () => '#').join('.') + '.z';
    const key = Array.from({ length: 60 }, () => 'a').join('.');
    const started = Date.now();
    assert.equal(topicMatches(pattern, key), false);
    assert.ok(Date.now() - started < 200);
  });
});
