import assert from 'node:assert/strict';
import type { Harness, Response } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

function crossbarError(res: Response, status: number, message: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json', 'exactly application/json, no charset');
  assert.deepEqual(Object.keys(res.body).sort(), ['auth_token', 'data', 'error', 'message', 'request_id', 'status']);
  assert.equal(res.body.status, 'error');
  assert.equal(res.body.error, String(status));
  assert.equal(res.body.message, message);
  assert.equal(res.body.request_id, res.headers.get('x-request-id'));
}

describe('middleware/error-mapper', () => {
  let h: Harness;
  let R: string;
  harnessEachTest((started) => {
    h = started;
    R = `${h.base}/qubicle_recipients`;
  }, { env: { MAX_BODY_BYTES: '1024' } });

  it('404 Crossbar body for an unknown route (with or without /v2 and a token)', async () => {
    crossbarError(await h.request('GET', '/nope'), 404, 'not found');
    crossbarError(await h.request('GET', `${h.base}/nope`, { token: h.token.admin }), 404, 'not found');
    crossbarError(await h.request('POST', `${R}/${h.fixture.agent.id}/dance`, { token: h.token.admin, body: { data: {} } }), 404, 'not found');
    const res = await h.request('GET', `${h.base}/nope`, { token: h.token.admin });
    assert.equal(res.body.auth_token, h.token.admin);
    assert.deepEqual(h.worker.traffic, []);
  });

  it('405 Crossbar body for a wrong method', async () => {
    crossbarError(await h.request('DELETE', R, { token: h.token.admin }), 405, 'method not allowed');
  });

  it('400 invalid request body for malformed JSON, nothing sent', async () => {
    for (const body of ['{"data":', "{'data':{}}", 'action=login', '[1,2', '\u0000']) {
      const res = await h.request('POST', `${R}/${h.fixture.agent.id}`, { token: h.token.agent, body });
      crossbarError(res, 400, 'invalid request body');
      assert.equal(res.body.data.code, 'invalid_json');
    }
    assert.deepEqual(h.worker.traffic, []);
  });

  it('a JSON body under another Content-Type is still read; non-JSON under it is a 400', async () => {
    const body = JSON.stringify({ data: { action: 'login' } });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=UTF-8']) {
      const res = await h.request('POST', `${R}/${h.fixture.agent.id}`, { token: h.token.agent, body, headers: { 'Content-Type': type } });
      assert.equal(res.status, 200, `${type}: ${res.text}`);
    }
    const form = await h.request('POST', `${R}/${h.fixture.agent.id}`, {
      token: h.token.agent,
      body: 'data[action]=login',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    crossbarError(form, 400, 'invalid request body');
  });

  it('an empty body is "data required", not a crash', async () => {
    const res = await h.request('POST', `${R}/${h.fixture.agent.id}`, { token: h.token.agent, body: '' });
    crossbarError(res, 400, 'invalid data');
    assert.ok(res.body.data.data.required);
  });

  it('413 for a body over MAX_BODY_BYTES, nothing sent', async () => {
    const big = JSON.stringify({ data: { action: 'login', pad: 'x'.repeat(2000) } });
    const res = await h.request('POST', `${R}/${h.fixture.agent.id}`, { token: h.token.agent, body: big });
    crossbarError(res, 413, 'request body larger than 1024 bytes');
    // without Content-Length (chunked): counted while reading
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode('x'.repeat(600)));
        c.close();
      },
    });
    const chunked = await fetch(`${h.url}${R}/${h.fixture.agent.id}`, {
      method: 'POST',
      headers: { 'X-Auth-Token': h.token.agent, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal(chunked.headers.get('content-type'), 'application/json');
    await chunked.text();
    assert.deepEqual(h.worker.traffic, []);
  });

  it('an unexpected failure is a 500 that does not leak its cause, and is logged', async () => {
    h.worker.overrides.set('get_status', () => ({ ok: 'yes' }) as never);
    const res = await h.request('GET', `${R}/${h.fixture.agent.id}/status`, { token: h.token.agent });
    crossbarError(res, 500, 'internal error');
    assert.deepEqual(res.body.data, { message: 'internal error' });
    assert.ok(h.logger.lines.some((l) => l.level === 'error'));
  });

  it('success bodies are exactly application/json too', async () => {
    const res = await h.request('GET', R, { token: h.token.agent });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
  });
});
