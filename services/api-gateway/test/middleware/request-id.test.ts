import assert from 'node:assert/strict';
import type { Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('middleware/request-id', () => {
  let h: Harness;
  harnessEachTest((started) => (h = started));

  it('honours a valid X-Request-ID: body, response header and the bus message', async () => {
    const id = 'monster-ui.req:42_abc-DEF';
    const res = await h.request('GET', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`, {
      token: h.token.agent,
      headers: { 'X-Request-ID': id },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.request_id, id);
    assert.equal(res.headers.get('x-request-id'), id);
    assert.equal(h.worker.commands('get_status')[0]?.requestId, id);
  });

  it('generates one when absent or invalid, on success and error alike', async () => {
    for (const header of [undefined, '', 'has space', 'x'.repeat(129), 'semi;colon', 'caf%C3%A9', 'a/b']) {
      const headers: Record<string, string> = header === undefined ? {} : { 'X-Request-ID': header };
      for (const path of ['/healthz', '/nope']) {
        const res = await h.request('GET', path, { headers });
        const rid = res.headers.get('x-request-id');
        assert.match(rid ?? '', UUID, `${String(header)} ${path}`);
        if (path === '/nope') assert.equal(res.body.request_id, rid);
      }
    }
  });

  it('accepts the 128-character maximum', async () => {
    const id = 'a'.repeat(128);
    const res = await h.request('GET', '/nope', { headers: { 'X-Request-ID': id } });
    assert.equal(res.body.request_id, id);
  });
});
