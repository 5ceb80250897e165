/**
 * The few REST calls the wallboard makes (Crossbar API of this gateway, same origin):
 * sign in (KAZOO user_auth), list the account's recipients, the supervisor actions, and the
 * queues the queue panels show (list, status of all, each queue's callers).
 */
import { md5 } from './md5.js';

export class ApiError extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    const detail = body && typeof body === 'object' ? (body.data && body.data.message) || body.message : undefined;
    super(detail ? `${detail} (${status})` : `request failed (${status})`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers['X-Auth-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let parsed;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

/**
 * KAZOO user_auth: credentials = md5("username:password"), the username lower-cased.
 * @returns {Promise<{token: string, accountId: string, accountName: string, ownerId?: string, privLevel: string, username: string}>}
 */
export async function signIn(accountName, username, password) {
  const credentials = md5(`${username.trim().toLowerCase()}:${password}`);
  const res = await call('PUT', '/v2/user_auth', { body: { data: { credentials, account_name: accountName.trim() } } });
  return {
    token: res.auth_token,
    accountId: res.data.account_id,
    accountName: res.data.account_name,
    ownerId: res.data.owner_id,
    privLevel: res.data.priv_level,
    username: username.trim(),
  };
}

/** The expiry (ms since epoch) written in a token, or 0 if it cannot be read. */
export function tokenExpiry(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

export function createApi(session) {
  const base = `/v2/accounts/${session.accountId}/qubicle_recipients`;
  const queues = `/v2/accounts/${session.accountId}/qubicle_queues`;
  const opts = (body) => ({ token: session.token, body });
  return {
    /** @returns {Promise<Array<{id: string, name: string}>>} */
    async listRecipients() {
      return (await call('GET', base, opts())).data;
    },
    /** login, logout, ready or away; `extra`: reason, duration_seconds (away), audit_reason */
    setStatus(id, status, extra = {}) {
      return call('POST', `${base}/${id}/status`, opts({ data: { status, ...extra } }));
    },
    /** @returns {Promise<Array<{id: string, name: string}>>} */
    async listQueues() {
      return (await call('GET', queues, opts())).data;
    },
    /** @returns {Promise<Record<string, any>>} queue id → status (running queues only) */
    async queueStatuses() {
      return (await call('GET', `${queues}/status`, opts())).data;
    },
    /** @returns {Promise<Array<{session_id: string, entered_at: string, state: string}>>} the callers in the queue */
    async queueSessions(id) {
      return (await call('GET', `${queues}/${id}/sessions`, opts())).data;
    },
    /** @returns {Promise<Array<{name: string, label: string}>>} the account's away reasons */
    async listAwayReasons() {
      return (await call('GET', `/v2/accounts/${session.accountId}/qubicle_away_reasons`, opts())).data;
    },
    /** e.g. wrapup_cancel; `extra`: audit_reason */
    action(id, action, extra = {}) {
      return call('POST', `${base}/${id}`, opts({ data: { action, ...extra } }));
    },
  };
}
