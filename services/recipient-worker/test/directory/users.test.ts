/**
 * users.ts builds documents from a client's keys: with Maps and Object.fromEntries, so that a key
 * can only ever be an own property. Fed values made by plain JSON.parse (which keeps "__proto__"
 * as an own key; the gateway's parseJson refuses it before, this holds without that too).
 */
import assert from 'node:assert/strict';
import type { UserDoc, UserWrite } from '@qubicle/contracts';
import { mergeDeep, patchUserDoc, publicDoc, userDocFromWrite } from '../../src/directory/users.js';

const A = 'a'.repeat(32);
const U = 'b'.repeat(32);
const hostile = <T>(text: string): T => JSON.parse(text) as T;

describe('directory: users documents from hostile keys', () => {
  it('a "__proto__" key in a patch is a plain key: no prototype is set, Object.prototype untouched', () => {
    const merged = mergeDeep({ a: { b: 1 } }, hostile('{"__proto__":{"polluted":1},"a":{"__proto__":{"x":1},"c":2}}'));
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.equal((merged as { polluted?: unknown }).polluted, undefined);
    assert.deepEqual(Object.keys(merged).sort(), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(merged['a']), Object.prototype);
    assert.deepEqual(Object.keys(Object.prototype), []);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('merge semantics stay: objects merge, null removes, the rest replaces', () => {
    assert.deepEqual(mergeDeep({ q: { e: true, p: { m: false } }, x: 1, y: [1] }, { q: { p: { m: true } }, x: null, y: [2] }), { q: { e: true, p: { m: true } }, y: [2] });
  });

  it('create, patch and the public view keep hostile keys as own data, never prototypes', () => {
    const write = hostile<UserWrite>('{"first_name":"a","last_name":"b","__proto__":{"priv_level":"admin"},"constructor":{"x":1}}');
    const doc = userDocFromWrite(A, U, write);
    assert.equal(doc.priv_level, 'user');
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    const patched = patchUserDoc(doc, hostile<Partial<UserWrite>>('{"__proto__":{"enabled":false}}'));
    assert.equal(patched.enabled, true);
    const view = publicDoc(hostile<UserDoc>(`{"id":"${U}","password":"x","pvt_secret":1,"__proto__":{"password":"leak"}}`));
    assert.equal(Object.getPrototypeOf(view), Object.prototype);
    assert.equal((view as { password?: unknown }).password, undefined);
    assert.deepEqual(Object.keys(Object.prototype), []);
  });
});
