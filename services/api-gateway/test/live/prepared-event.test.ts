/** Events serialised once for every socket: the prebuilt websocket frames (src/live/prepared-event.ts). */
import assert from 'node:assert/strict';
import { textFrame } from '../../src/live/prepared-event.js';

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
