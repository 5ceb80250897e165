/**
 * MD5 (RFC 1321) of a string's UTF-8 bytes, as lowercase hex. KAZOO's `user_auth` takes
 * `credentials = md5("username:password")` and WebCrypto has no MD5, hence this small file.
 * (MD5 is what KAZOO's protocol asks for, not a security choice: the gateway stores no md5.)
 */
const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11,
  16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];
const K = new Uint32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0;

/** @param {string} text @returns {string} */
export function md5(text) {
  const bytes = new TextEncoder().encode(text);
  const len = bytes.length;
  const n = Math.ceil((len + 9) / 64) * 64;
  const padded = new Uint8Array(n);
  padded.set(bytes);
  padded[len] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(n - 8, (len * 8) >>> 0, true);
  view.setUint32(n - 4, Math.floor(len / 2 ** 29), true);

  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  const M = new Uint32Array(16);
  for (let off = 0; off < n; off += 64) {
    for (let j = 0; j < 16; j++) M[j] = view.getUint32(off + 4 * j, true);
    let A = a0;
    let B = b0;
    let C = c0;
    let D = d0;
    for (let i = 0; i < 64; i++) {
      let F;
      let g;
      if (i < 16) {
        F = (B & C) | (~B & D);
        g = i;
      } else if (i < 32) {
        F = (D & B) | (~D & C);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        F = B ^ C ^ D;
        g = (3 * i + 5) % 16;
      } else {
        F = C ^ (B | ~D);
        g = (7 * i) % 16;
      }
      F = (F + A + K[i] + M[g]) >>> 0;
      A = D;
      D = C;
      C = B;
      B = (B + ((F << S[i]) | (F >>> (32 - S[i])))) >>> 0;
    }
    a0 = (a0 + A) >>> 0;
    b0 = (b0 + B) >>> 0;
    c0 = (c0 + C) >>> 0;
    d0 = (d0 + D) >>> 0;
  }
  let hex = '';
  for (const word of [a0, b0, c0, d0]) {
    for (let k = 0; k < 4; k++) hex += ((word >>> (8 * k)) & 0xff).toString(16).padStart(2, '0');
  }
  return hex;
}
