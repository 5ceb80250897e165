/** Users documents as the API shows and takes them. */

/** Never returned: a password (or any private field) a worker might have left in a document. */
export function publicUserDoc<T extends object>(doc: T): T {
  // fromEntries, not out[k] = v: a document's keys are a client's, and must stay own properties
  return Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'password' && !k.startsWith('pvt_'))) as T;
}

/**
 * A write body's `data` as the directory should get it: `ui_metadata` (added by the Monster UI
 * SDK to every request) is dropped, and the read-only `id` / `account_id` a client resends with
 * a document it read are dropped when they name this very user / account (other values stay,
 * and the contract refuses them).
 */
export function writableUserData(data: unknown, ids: { accountId: string; userId?: string }): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  delete out['ui_metadata'];
  if (ids.userId !== undefined && out['id'] === ids.userId) delete out['id'];
  if (out['account_id'] === ids.accountId) delete out['account_id'];
  return out;
}
