/** The start-up banner of `npm start` prints a password and an admin token for the embedded demo only. */
import { strict as assert } from 'node:assert';
import { bannerLines, isEmbeddedDemo, type BannerInput } from '../../scripts/lib/banner.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJ0ZXN0Ijp0cnVlfQ.c2lnbmF0dXJl';
const demo: BannerInput = {
  base: 'http://127.0.0.1:8000',
  broker: false,
  store: 'sqlite',
  accountName: 'demo',
  accountId: 'a'.repeat(32),
  adminUsername: 'admin',
  demoPassword: 'qubicle-demo',
  token: TOKEN,
  tokenTtlSeconds: 3600,
};

describe('scripts: start-up banner', () => {
  it('embedded demo (in-process bus, SQLite, the public demo password): password, token and a curl', () => {
    const text = bannerLines(demo).join('\n');
    assert.ok(isEmbeddedDemo(demo));
    assert.match(text, /admin: {4}admin \/ qubicle-demo/);
    assert.match(text, new RegExp(`token: {4}${TOKEN}`));
    assert.match(text, new RegExp(`curl -s -H "X-Auth-Token: ${TOKEN}" http://127.0.0.1:8000/v2/accounts/${'a'.repeat(32)}/qubicle_recipients`));
  });

  for (const [what, over] of [
    ['a password of its own (BOOTSTRAP_ADMIN_PASSWORD)', { demoPassword: undefined }],
    ['on RabbitMQ', { broker: true }],
    ['on MongoDB', { store: 'mongodb' }],
  ] as const) {
    it(`${what}: no password, no token, just how to get one`, () => {
      const input = { ...demo, ...over };
      const text = bannerLines(input).join('\n');
      assert.equal(isEmbeddedDemo(input), false);
      assert.ok(!text.includes(TOKEN), 'no token');
      assert.ok(!text.includes('qubicle-demo'), 'no password');
      assert.ok(!text.includes('X-Auth-Token'), 'no ready-made curl with a token');
      assert.match(text, /PUT http:\/\/127\.0\.0\.1:8000\/v2\/user_auth/);
      assert.match(text, /URL: {6}http:\/\/127\.0\.0\.1:8000/);
    });
  }

  it('the demo whose admin password was changed since: no token, and says why', () => {
    const text = bannerLines({ ...demo, token: undefined }).join('\n');
    assert.ok(!text.includes('X-Auth-Token'));
    assert.match(text, /changed since/);
  });
});
