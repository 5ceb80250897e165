/**
 * Shard of a recipient: FNV-1a (32 bit) of "account_id/recipient_id" modulo the
 * cluster's fixed shard count. Stable across processes, versions and languages
 * (an outside publisher can re-implement it in a few lines).
 */
export function shardOf(accountId: string, recipientId: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new RangeError(`shardCount must be a positive integer, got ${shardCount}`);
  }
  const key = `${accountId}/${recipientId}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}

export const DEFAULT_SHARD_COUNT = 64;
