/** KAZOO ids are 32 lowercase hex characters (CouchDB uuids). */
export const KAZOO_ID_PATTERN = '^[0-9a-f]{32}$';
const KAZOO_ID_RE = new RegExp(KAZOO_ID_PATTERN);

export function isKazooId(value: unknown): value is string {
  return typeof value === 'string' && KAZOO_ID_RE.test(value);
}

/** A fresh KAZOO-style id (random, 128 bits). */
export function newKazooId(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '');
}
