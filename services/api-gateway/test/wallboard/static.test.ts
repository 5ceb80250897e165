/** The wallboard's page and assets, served by the gateway (src/wallboard/static.ts). */
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.js';

describe('wallboard: static page', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('/wallboard redirects to /wallboard/, which serves the page with a strict CSP', async () => {
    const r = await fetch(`${h.url}/wallboard`, { redirect: 'manual' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), '/wallboard/');
    const page = await fetch(`${h.url}/wallboard/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    assert.match(html, /<script type="module" src="app.js">/);
    assert.ok(!/https?:\/\//.test(html), 'nothing from another origin');
  });

  it('serves its assets with an ETag; unknown files are 404', async () => {
    for (const f of ['app.js', 'api.js', 'live.js', 'md5.js', 'wallboard.css']) {
      const r = await fetch(`${h.url}/wallboard/${f}`);
      assert.equal(r.status, 200, f);
      const body = await r.text();
      assert.ok(!/(src|href)=["']?https?:|import .* from ['"]https?:/.test(body), `${f} loads nothing from another origin`);
      const again = await fetch(`${h.url}/wallboard/${f}`, { headers: { 'If-None-Match': r.headers.get('etag')! } });
      assert.equal(again.status, 304);
    }
    assert.equal((await fetch(`${h.url}/wallboard/nope.js`)).status, 404);
    assert.equal((await fetch(`${h.url}/wallboard/..%2Fstatic.ts`)).status, 404);
  });
});
