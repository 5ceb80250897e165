/**
 * The wallboard's md5 (src/wallboard/public/md5.js: the browser has no MD5 and KAZOO's user_auth
 * wants md5("username:password")), against the known answers of RFC 1321's test suite (A.5) and
 * against node:crypto where UTF-8 and the padding's block boundaries matter.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

const { md5 } = (await import(new URL('../../src/wallboard/public/md5.js', import.meta.url).href)) as { md5: (s: string) => string };

/** RFC 1321, appendix A.5 ("MD5 test suite"), verbatim. */
const RFC_1321_SUITE: Array<[string, string]> = [
  ['', 'd41d8cd98f00b204e9800998ecf8427e'],
  ['a', '0cc175b9c0f1b6a831c399e269772661'],
  ['abc', '900150983cd24fb0d6963f7d28e17f72'],
  ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
  ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
  ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
  ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
];

describe('wallboard: md5', () => {
  it("RFC 1321's test suite: every known answer", () => {
    for (const [text, digest] of RFC_1321_SUITE) assert.equal(md5(text), digest, JSON.stringify(text));
  });

  it('matches node:crypto (UTF-8, block boundaries)', () => {
    for (const s of ['admin:secret', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'x'.repeat(1000), 'zoë:pässwörd€💡']) {
      assert.equal(md5(s), createHash('md5').update(s).digest('hex'), JSON.stringify(s));
    }
  });
});
