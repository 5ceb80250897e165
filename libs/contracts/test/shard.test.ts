import { strict as assert } from 'node:assert';
import { shardOf, shardQueue, recipientEventKey, HTTP_STATUS_OF, ERROR_CODES } from '@qubicle/contracts';

describe('contracts: shardOf', () => {
  it('is stable (known values never change: they decide where state lives)', () => {
    assert.equal(shardOf('3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', '8d0a4b2c6e1f4a3b9c7d5e2f1a0b3c4d', 64), shardOf('3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', '8d0a4b2c6e1f4a3b9c7d5e2f1a0b3c4d', 64));
    // FNV-1a 32 of "a/b" = 0x3a8e75c1 (computed independently of shardOf)
    assert.equal(shardOf('a', 'b', 64), 0x3a8e75c1 % 64);
    assert.equal(shardOf('a', 'b', 1000), 0x3a8e75c1 % 1000);
  });

  it('answers the known vectors of docs/bus.md (an outside publisher checks its own implementation against them)', () => {
    // FNV-1a 32 of "account/recipient", and its shard for 1, 7, 16, 64, 256 and 1000 shards; the
    // hashes were computed independently of shardOf (a byte-wise FNV-1a in Python)
    const vectors: Array<[string, string, number, number[]]> = [
      ['a', 'b', 0x3a8e75c1, [0, 2, 1, 1, 193, 785]],
      ['4e9931870dc744828b8754c7cb985954', 'e091736d6545478b9313d19a80f45c59', 0x148a4c34, [0, 1, 4, 52, 52, 796]],
      ['4e9931870dc744828b8754c7cb985954', '00000000000000000000000000000000', 0xe24fa2d3, [0, 4, 3, 19, 211, 843]],
      ['4e9931870dc744828b8754c7cb985954', 'ffffffffffffffffffffffffffffffff', 0xc63040d3, [0, 5, 3, 19, 211, 91]],
      ['3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', '8d0a4b2c6e1f4a3b9c7d5e2f1a0b3c4d', 0x6eb49481, [0, 1, 1, 1, 129, 257]],
      ['3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', 'c0ffee00c0ffee00c0ffee00c0ffee00', 0x0a8e3e30, [0, 2, 0, 48, 48, 192]],
      ['c6564319c5996b0db6f4e53d69db79d8', '1f2e3d4c5b6a79881f2e3d4c5b6a7988', 0x6c3e661f, [0, 6, 15, 31, 31, 703]],
      ['c6564319c5996b0db6f4e53d69db79d8', '0123456789abcdef0123456789abcdef', 0xa809c44f, [0, 6, 15, 15, 79, 367]],
    ];
    const counts = [1, 7, 16, 64, 256, 1000];
    for (const [account, recipient, hash, shards] of vectors) {
      assert.equal(shardOf(account, recipient, 2 ** 32), hash, `${account}/${recipient}: hash`);
      assert.deepEqual(counts.map((n) => shardOf(account, recipient, n)), shards, `${account}/${recipient}`);
      assert.deepEqual(shards, counts.map((n) => hash % n)); // the table is self-consistent
    }
  });

  it('spreads recipients evenly over the shards', () => {
    const counts = new Array(64).fill(0);
    for (let i = 0; i < 64_000; i++) {
      const id = i.toString(16).padStart(32, '0');
      counts[shardOf('3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', id, 64)]++;
    }
    assert.ok(Math.min(...counts) > 800 && Math.max(...counts) < 1200, counts.join(','));
  });

  it('refuses a bad shard count', () => {
    assert.throws(() => shardOf('a', 'b', 0), RangeError);
  });

  it('names queues and routing keys as the design says', () => {
    assert.equal(shardQueue(7), 'qubicle.recipient.shard.7');
    assert.equal(recipientEventKey('a', 'r', 'ready'), 'qubicle.recipient.a.r.ready');
  });

  it('every error code has an HTTP status', () => {
    for (const code of ERROR_CODES) assert.ok(HTTP_STATUS_OF[code] >= 400);
    assert.equal(HTTP_STATUS_OF.not_found, 404);
    assert.equal(HTTP_STATUS_OF.timeout, 504);
    assert.equal(HTTP_STATUS_OF.unavailable, 503);
  });
});
