/**
 * The body reader parses with the contracts' parseJson: a prototype key anywhere, or nesting
 * deeper than CLIENT_JSON_MAX_DEPTH, is a 400 "invalid request body" that names why, nothing is
 * sent on the bus, and Object.prototype stays untouched.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { CLIENT_JSON_MAX_DEPTH } from '@qubicle/contracts';
import { startHarness, type Harness } from '../support/harness.js';

describe('middleware/body-reader', () => {
  let h: Harness;
  let R: string;
  before(async () => {
    h = await startHarness();
    R = `${h.base}/qubicle_recipients`;
  });
  after(async () => {
    await h.close();
  });

  it('a __proto__ / constructor / prototype key at any depth, in any spelling: 400 naming the key, nothing sent', async () => {
    const id = h.fixture.agent.id;
    const cases: Array<[string, string]> = [
      [`{"data":{"set_status":true,"__proto__":{"global":"ready"},"${id}":{"global":"ready"}}}`, '__proto__'],
      ['{"data":{"action":"login","x":[{"constructor":{"prototype":{}}}]}}', 'constructor'],
      ['{"data":{"action":"login"},"\\u0070rototype":1}', 'prototype'],
    ];
    for (const [body, key] of cases) {
      const res = await h.request('POST', `${R}/status`, { token: h.token.agent, body });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.message, 'invalid request body');
      assert.equal(res.body.data.message, `request body refused: the key "${key}" is not allowed`);
    }
    assert.deepEqual(h.worker.traffic, []);
    assert.deepEqual(Object.keys(Object.prototype), []);
  });

  it(`nesting deeper than ${CLIENT_JSON_MAX_DEPTH}: 400; ${CLIENT_JSON_MAX_DEPTH} levels still parse (then the contract decides)`, async () => {
    const deep = (n: number) => `{"data":{"first_name":"a","last_name":"b","x":${'['.repeat(n - 2)}${']'.repeat(n - 2)}}}`;
    const refused = await h.request('PUT', `${h.base}/users`, { token: h.token.admin, body: deep(10_000) });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.data.message, `request body refused: nested deeper than ${CLIENT_JSON_MAX_DEPTH} levels`);
    assert.deepEqual(h.worker.traffic, []);
    const accepted = await h.request('PUT', `${h.base}/users`, { token: h.token.admin, body: deep(CLIENT_JSON_MAX_DEPTH) });
    assert.notEqual(accepted.status, 400, accepted.text);
    assert.ok(accepted.status < 500, accepted.text);
  });

  it('a UTF-8 BOM is skipped; a body that is not JSON is a 400 that says so', async () => {
    const sent = h.worker.traffic.length;
    const bom = await h.request('PUT', `${h.base}/users`, { token: h.token.admin, body: '\uFEFF{"data":{"first_name":"a","last_name":"b","x":[[{"__proto__":1}]]}}' });
    assert.equal(bom.status, 400, bom.text);
    assert.equal(bom.body.data.message, 'request body refused: the key "__proto__" is not allowed', 'parsed past the BOM');
    const junk = await h.request('PUT', `${h.base}/users`, { token: h.token.admin, body: '{"data":' });
    assert.equal(junk.status, 400, junk.text);
    assert.equal(junk.body.data.message, 'request body is not valid JSON');
    assert.equal(h.worker.traffic.length, sent, 'nothing sent');
  });
});

describe('middleware/body-reader: size limit', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { MAX_BODY_BYTES: '1024' } });
  });
  after(async () => {
    await h.close();
  });

  it('a Content-Length over the limit: 413 at once, before a byte of the body is sent, and the connection is not kept', async () => {
    const { hostname, port } = new URL(h.url);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ hostname, port, method: 'PUT', path: `${h.base}/users`, headers: { 'X-Auth-Token': h.token.admin, 'Content-Length': '5000' } });
      req.on('response', resolve);
      req.on('error', reject);
      req.flushHeaders(); // headers only: the body never comes
    });
    const text = await new Promise<string>((resolve) => {
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (t += c));
      res.on('end', () => resolve(t));
    });
    res.socket.destroy();
    assert.equal(res.statusCode, 413);
    assert.equal(res.headers['connection'], 'close');
    assert.equal(JSON.parse(text).message, 'request body larger than 1024 bytes');
    assert.deepEqual(h.worker.traffic, []);
  });

  it('exactly the limit is read and parsed', async () => {
    const pad = 1024 - '{"data":{"first_name":"a","last_name":"b","x":[[{"__proto__":1}]],"p":""}}'.length;
    const body = `{"data":{"first_name":"a","last_name":"b","x":[[{"__proto__":1}]],"p":"${'x'.repeat(pad)}"}}`;
    assert.equal(Buffer.byteLength(body), 1024);
    const res = await h.request('PUT', `${h.base}/users`, { token: h.token.admin, body });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.data.message, 'request body refused: the key "__proto__" is not allowed');
  });
});
