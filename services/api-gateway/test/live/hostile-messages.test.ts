/**
 * Hostile client messages on the event websocket (issue 11): parsed with the contracts' parseJson
 * (a prototype key or deep nesting is an invalid_message reply), validation details capped, a
 * token never echoed, and the socket keeps serving afterwards.
 */
import assert from 'node:assert/strict';
import { CLIENT_JSON_MAX_DEPTH, MAX_VALIDATION_DETAILS } from '@qubicle/contracts';
import { startLiveWorld, type LiveWorld } from './support.js';

describe('live: hostile client messages', function () {
  this.timeout(20_000);
  let w: LiveWorld;
  before(async () => {
    w = await startLiveWorld();
  });
  after(async () => {
    await w.close();
  });

  it('one message with a __proto__ key and no token: invalid_message, the next ping still answers pong', async () => {
    const c = await w.connect();
    c.send('{"action":"ping","request_id":"p","__proto__":{"x":1}}');
    const refused = await c.next((m) => m['action'] === 'reply');
    assert.equal(refused['status'], 'error');
    assert.equal(refused['data']['code'], 'invalid_message');
    assert.deepEqual(refused['data']['errors'], ['message refused: the key "__proto__" is not allowed']);
    assert.deepEqual(Object.keys(Object.prototype), []);
    c.send({ action: 'ping', request_id: 'after' });
    assert.equal((await c.reply('after'))['data']['response'], 'pong');
    c.terminate();
  });

  it(`nesting deeper than ${CLIENT_JSON_MAX_DEPTH}: invalid_message`, async () => {
    const c = await w.connect();
    c.send(`{"action":"ping","data":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`);
    const refused = await c.next((m) => m['action'] === 'reply');
    assert.deepEqual(refused['data']['errors'], [`message refused: nested deeper than ${CLIENT_JSON_MAX_DEPTH} levels`]);
    c.terminate();
  });

  it('a 60 KB message of bad resume keys with no token answers a few KB, not 4 MB', async () => {
    const c = await w.connect();
    const resume = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`bad-k-${i}`, -1]));
    const text = JSON.stringify({ action: 'subscribe', request_id: 'big', data: { account_id: w.fixture.account.id, binding: 'qubicle.recipient.*', resume } });
    assert.ok(text.length > 30_000 && text.length < 65_536, String(text.length));
    c.send(text);
    const refused = await c.reply('big');
    const size = JSON.stringify(refused).length;
    assert.ok(size < 8_000, `${size} bytes`);
    assert.equal(refused['data']['code'], 'invalid_message');
    assert.ok(Object.keys(refused['data']['details']).length <= MAX_VALIDATION_DETAILS + 1);
    assert.match(JSON.stringify(refused['data']['details']['_truncated']), /more validation errors not shown/);
    c.terminate();
  });

  it('an over-long token is never echoed (docs/live.md)', async () => {
    const c = await w.connect();
    const token = `eyJ${'A'.repeat(5000)}`;
    c.send({ action: 'subscribe', request_id: 'tok', auth_token: token, data: { account_id: w.fixture.account.id, binding: 'qubicle.recipient.*' } });
    const refused = await c.reply('tok');
    assert.equal(refused['status'], 'error');
    assert.ok(!JSON.stringify(refused).includes('AAAAAAAAAA'), JSON.stringify(refused).slice(0, 300));
    c.terminate();
  });
});
