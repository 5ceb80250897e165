/** The document rules every store adapter shares (revs, usernames, user order, what is stored), so that all behave the same. */
import { randomBytes } from 'node:crypto';
import type { StoredUser, UserDoc } from '@qubicle/contracts';

/** CouchDB-style revision: "<generation>-<32 hex>". */
export function nextRev(previous: string | null): string {
  const generation = previous === null ? 0 : revGeneration(previous);
  return `${generation + 1}-${randomBytes(16).toString('hex')}`;
}

export function revGeneration(rev: string): number {
  const n = Number.parseInt(rev.split('-', 1)[0] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The lookup key of a username: lower-cased; null for "no username" (empty). */
export function usernameKey(username: unknown): string | null {
  if (typeof username !== 'string' || username === '') return null;
  return username.toLowerCase();
}

export function isQubicleEnabled(doc: UserDoc): boolean {
  return doc.qubicle?.enabled === true;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nameOf(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** listUsers order: last_name, first_name (case-insensitively, then exactly), then id. */
export function compareUsers(a: StoredUser, b: StoredUser): number {
  const al = nameOf(a.doc.last_name);
  const bl = nameOf(b.doc.last_name);
  const af = nameOf(a.doc.first_name);
  const bf = nameOf(b.doc.first_name);
  return (
    cmp(al.toLowerCase(), bl.toLowerCase()) ||
    cmp(al, bl) ||
    cmp(af.toLowerCase(), bf.toLowerCase()) ||
    cmp(af, bf) ||
    cmp(a.doc.id, b.doc.id)
  );
}

/**
 * A JSON round-trip: what the SQLite adapter stores (JSON text) is exactly what the
 * MongoDB and memory adapters store (undefined members dropped, no class instances), so reads
 * look the same on all of them.
 */
export function plainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** listQueues order: name case-insensitively, then exactly, then id. */
export function compareQueues(a: { doc: { id: string; name: string } }, b: { doc: { id: string; name: string } }): number {
  return cmp(a.doc.name.toLowerCase(), b.doc.name.toLowerCase()) || cmp(a.doc.name, b.doc.name) || cmp(a.doc.id, b.doc.id);
}
