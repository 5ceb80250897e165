/** The live view's small parts: bindings, the resume buffer, the wallboard's md5 and static files. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { liveBindingProblem, normalizeLiveBinding, type RecipientEvent } from '@qubicle/contracts';
import { EventRing } from '../../src/live/event-ring.js';
import { canSee } from '../../src/live/subscriptions.js';
import { PreparedEvent, textFrame } from '../../src/live/prepared-event.js';
import { startHarness, type Harness } from '../support/harness.js';

const A = 'a'.repeat(32);
const R = 'b'.repeat(32);

function ev(seq: number, event: RecipientEvent['event'] = 'ready', recipient = R): PreparedEvent {
  return new PreparedEvent({
    event,
    account_id: A,
    recipient_id: recipient,
    seq,
    timestamp: 1,
    node: 'n',
    status: { available: false, availability_state: 'Not-Logged-In' },
  });
}

describe('live: bindings', () => {
  it('short forms are completed with *; # is left alone', () => {
    assert.equal(normalizeLiveBinding('qubicle.recipient.*'), 'qubicle.recipient.*.*');
    assert.equal(normalizeLiveBinding('qubicle.recipient'), 'qubicle.recipient.*.*');
    assert.equal(normalizeLiveBinding(`qubicle.recipient.${R}`), `qubicle.recipient.${R}.*`);
    assert.equal(normalizeLiveBinding('qubicle.recipient.#'), 'qubicle.recipient.#');
    assert.equal(normalizeLiveBinding('qubicle.recipient.*.ready'), 'qubicle.recipient.*.ready');
  });

  it('refuses bindings that can never match a recipient event', () => {
    assert.equal(liveBindingProblem('qubicle.recipient.*'), undefined);
    assert.equal(liveBindingProblem('qubicle.*.*.delete'), undefined);
    assert.match(liveBindingProblem('qubicle.queue.*') ?? '', /only qubicle.recipient/);
    assert.match(liveBindingProblem('qubicle.recipient.*.nope') ?? '', /unknown event/);
    assert.match(liveBindingProblem('qubicle.recipient.a.b.c') ?? '', /at most 4 words/);
  });

  it('visibility of a recipient to a binding', () => {
    assert.equal(canSee('qubicle.recipient.*.*', R), true);
    assert.equal(canSee(`qubicle.recipient.${R}.*`, R), true);
    assert.equal(canSee(`qubicle.recipient.${A}.*`, R), false);
    assert.equal(canSee('qubicle.recipient.*.ready', R), true);
  });
});

describe('live: prebuilt websocket frames', () => {
  it('unmasked text frames with 7-bit, 16-bit and 64-bit lengths', () => {
    for (const text of ['', 'hé', 'x'.repeat(125), 'x'.repeat(126), 'y'.repeat(65_535), 'z'.repeat(65_536), '€'.repeat(30_000)]) {
      const f = textFrame(text);
      assert.equal(f[0], 0x81);
      const len = Buffer.byteLength(text);
      let off = 2;
      let got = f[1]!;
      if (got === 126) {
        got = f.readUInt16BE(2);
        off = 4;
      } else if (got === 127) {
        got = Number(f.readBigUInt64BE(2));
        off = 10;
      }
      assert.equal(got, len);
      assert.equal(f.subarray(off).toString('utf8'), text);
    }
  });
});

describe('live: resume buffer', () => {
  it('replays what follows a seq when it can prove nothing is missing', () => {
    const ring = new EventRing(10, 1000);
    for (let s = 100; s <= 105; s++) ring.add(ev(s));
    assert.deepEqual(ring.replay(A, R, 102)?.map((e) => e.seq), [103, 104, 105]);
    assert.deepEqual(ring.replay(A, R, 99)?.map((e) => e.seq), [100, 101, 102, 103, 104, 105], 'seq 100 follows 99');
    assert.deepEqual(ring.replay(A, R, 105), [], 'up to date');
    assert.deepEqual(ring.replay(A, R, 200), [], 'ahead of this gateway: nothing to send');
    assert.equal(ring.replay(A, R, 98), undefined, '99 was never seen');
    assert.equal(ring.replay(A, 'c'.repeat(32), 1), undefined, 'nothing buffered');
    assert.equal(ring.add(ev(104)), false, 'duplicates are not kept');
  });

  it('is bounded per recipient and in all; a seq jump restarts the proof', () => {
    const ring = new EventRing(3, 5);
    for (let s = 1; s <= 6; s++) ring.add(ev(s));
    assert.equal(ring.size, 3);
    assert.equal(ring.replay(A, R, 2), undefined, 'event 3 was dropped');
    assert.deepEqual(ring.replay(A, R, 3)?.map((e) => e.seq), [4, 5, 6]);
    const other = 'c'.repeat(32);
    for (let s = 1; s <= 4; s++) ring.add(ev(s, 'ready', other));
    assert.equal(ring.size, 5, 'the total bound evicts the least recently updated first');
    ring.add(ev(10));
    assert.equal(ring.gaps, 1);
    assert.equal(ring.replay(A, R, 6), undefined, '7..9 never arrived');
    ring.add(ev(5_000_000, 'create'));
    assert.equal(ring.gaps, 1, 'a new session starts a new numbering: not a gap');
  });
});

describe('wallboard: static page and md5', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('md5.js matches node:crypto (ASCII, UTF-8, block boundaries)', async () => {
    const url = pathToFileURL(fileURLToPath(new URL('../../src/wallboard/public/md5.js', import.meta.url))).href;
    const { md5 } = (await import(url)) as { md5: (s: string) => string };
    for (const s of ['', 'admin:secret', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'x'.repeat(1000), 'zoë:pässwörd€💡']) {
      assert.equal(md5(s), createHash('md5').update(s).digest('hex'), JSON.stringify(s));
    }
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
