/**
 * Building, merging and presenting KAZOO users documents.
 *
 * - The `password` of a write is never stored in, nor returned with, a document: it becomes
 *   UserCredentials (see credentials.ts) kept apart by the store.
 * - Keys a client may not set are dropped from writes: `id`, `account_id` (the contract refuses
 *   them anyway), and KAZOO's private/system keys (`pvt_*`, `_*` such as `_id`, `_rev`).
 * - Any other KAZOO field (caller_id, timezone, ui_metadata...) passes through untouched.
 */
import type {
  PrivLevel,
  StoredUser,
  UserDoc,
  UserDocReply,
  UserListItem,
  UserQubicleSettings,
  UserWrite,
  RecipientListItem,
} from '@qubicle/contracts';

const WRITE_ONLY_KEYS = new Set(['password', 'id', 'account_id']);
const isPrivateKey = (key: string): boolean => key.startsWith('pvt_') || key.startsWith('_');

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/*
 * Documents are built from the client's keys with Object.fromEntries and Maps, never with
 * `out[key] = value`: a key can then only ever be an own property, never reach a prototype
 * (the gateway refuses `__proto__` & co. at parse already; this holds even without that).
 */

/** A write without the keys that never go into a document. */
function storableFields(write: Json): Json {
  return Object.fromEntries(Object.entries(write).filter(([key, value]) => !WRITE_ONLY_KEYS.has(key) && !isPrivateKey(key) && value !== undefined));
}

/**
 * RFC 7386-style merge (KAZOO's PATCH is kz_json:merge_recursive): objects merge recursively
 * (so `qubicle.permissions.monitor` can be patched alone), `null` removes a key, anything else
 * (arrays included) replaces.
 */
export function mergeDeep(base: Json, patch: Json): Json {
  const out = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = out.get(key);
    if (value === null) {
      out.delete(key);
    } else if (isPlainObject(value) && isPlainObject(current)) {
      out.set(key, mergeDeep(current, value));
    } else {
      out.set(key, value);
    }
  }
  return Object.fromEntries(out);
}

export function defaultQubicle(): UserQubicleSettings {
  return { enabled: false, permissions: { monitor: false } };
}

/** `qubicle` with both flags present and boolean (missing/odd values from old documents → defaults). */
function normalizeQubicle(value: unknown): UserQubicleSettings {
  const merged = mergeDeep(defaultQubicle() as unknown as Json, isPlainObject(value) ? value : {});
  const permissions = isPlainObject(merged['permissions']) ? merged['permissions'] : {};
  return {
    ...merged,
    enabled: merged['enabled'] === true,
    permissions: { ...permissions, monitor: permissions['monitor'] === true },
  } as UserQubicleSettings;
}

/**
 * A complete document from a create/replace body: defaults (priv_level "user", enabled true,
 * qubicle disabled without monitor permission, username "" = none) merged with what was given.
 */
export function userDocFromWrite(accountId: string, userId: string, write: UserWrite): UserDoc {
  const fields = storableFields(write);
  const doc: UserDoc = {
    ...fields,
    id: userId,
    account_id: accountId,
    first_name: write.first_name,
    last_name: write.last_name,
    username: typeof write.username === 'string' ? write.username : '',
    priv_level: write.priv_level ?? 'user',
    enabled: write.enabled ?? true,
    qubicle: normalizeQubicle(write.qubicle),
  };
  if (typeof write.email !== 'string') delete doc['email'];
  return doc;
}

/** PATCH: merge the given fields into the stored document (recursively; null removes a key). */
export function patchUserDoc(existing: UserDoc, patch: Partial<UserWrite>): UserDoc {
  const merged = mergeDeep(existing as Json, storableFields(patch));
  const doc = {
    ...merged,
    id: existing.id,
    account_id: existing.account_id,
    first_name: typeof merged['first_name'] === 'string' ? merged['first_name'] : existing.first_name,
    last_name: typeof merged['last_name'] === 'string' ? merged['last_name'] : existing.last_name,
    username: typeof merged['username'] === 'string' ? merged['username'] : '',
    priv_level: (merged['priv_level'] === 'admin' ? 'admin' : 'user') as PrivLevel,
    enabled: merged['enabled'] !== false,
    qubicle: normalizeQubicle(merged['qubicle']),
  };
  return doc as UserDoc;
}

/** The document with qubicle.enabled set. */
export function withQubicleEnabled(existing: UserDoc, enabled: boolean): UserDoc {
  const qubicle = normalizeQubicle(existing.qubicle);
  return { ...existing, qubicle: { ...qubicle, enabled } };
}

/** The document as a reply shows it: never a password, never a private key. */
export function publicDoc(doc: UserDoc): UserDoc {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => key !== 'password' && !isPrivateKey(key))) as UserDoc;
}

export function userDocReply(stored: StoredUser): UserDocReply {
  return { doc: publicDoc(stored.doc), rev: stored.rev };
}

export function isRecipient(doc: UserDoc): boolean {
  return isPlainObject(doc.qubicle) && doc.qubicle.enabled === true;
}

/** A user may be logged in as a recipient only while enabled and a recipient. */
export function mayBeLoggedIn(doc: UserDoc): boolean {
  return doc.enabled !== false && isRecipient(doc);
}

/** The lookup key of a username (lower-cased, as KAZOO's md5 credentials); null = no username. */
export function usernameKey(username: unknown): string | null {
  return typeof username === 'string' && username !== '' ? username.toLowerCase() : null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function recipientListItem(doc: UserDoc): RecipientListItem {
  return { id: doc.id, name: `${text(doc.first_name)} ${text(doc.last_name)}`.trim() };
}

export function userListItem(doc: UserDoc): UserListItem {
  const item: UserListItem = {
    id: doc.id,
    first_name: text(doc.first_name),
    last_name: text(doc.last_name),
    priv_level: doc.priv_level === 'admin' ? 'admin' : 'user',
    enabled: doc.enabled !== false,
    qubicle_enabled: isRecipient(doc),
  };
  if (typeof doc.username === 'string' && doc.username !== '') item.username = doc.username;
  if (typeof doc.email === 'string' && doc.email !== '') item.email = doc.email;
  return item;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** KAZOO users summary order: last_name, first_name (case-insensitively, then exactly), then id. */
export function compareUserDocs(a: UserDoc, b: UserDoc): number {
  const al = text(a.last_name);
  const bl = text(b.last_name);
  const af = text(a.first_name);
  const bf = text(b.first_name);
  return (
    cmp(al.toLowerCase(), bl.toLowerCase()) ||
    cmp(al, bl) ||
    cmp(af.toLowerCase(), bf.toLowerCase()) ||
    cmp(af, bf) ||
    cmp(a.id, b.id)
  );
}
