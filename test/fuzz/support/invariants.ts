/**
 * What every fuzz case checks besides its own answer: the built-in prototypes are as they were
 * when the suite started (no own enumerable key, no new property).
 */
import { strict as assert } from 'node:assert';

const PROTOTYPES: Array<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];
const BASELINE = new Map(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort().join(',')]));

export function assertPrototypesUntouched(): void {
  for (const [name, proto] of PROTOTYPES) {
    assert.deepEqual(Object.keys(proto), [], `${name} has own enumerable keys`);
    assert.equal(Reflect.ownKeys(proto).map(String).sort().join(','), BASELINE.get(name), `${name} gained or lost a property`);
  }
  for (const k in {}) assert.fail(`an empty object has the inherited enumerable key ${k}`);
}
