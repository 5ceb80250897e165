import {
  parseSessionStartKey,
  sessionStartKey,
  type RecipientSession,
  type SessionListReply,
  type SessionListRequest,
} from '@qubicle/contracts';
import type { SessionRecord } from '@qubicle/contracts';
import { invalidData, notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';

/** Newest first: by logout_time, then login_session_id, both descending (the stores' order). */
function newestFirst(a: SessionRecord, b: SessionRecord): number {
  if (a.logout_time !== b.logout_time) return b.logout_time - a.logout_time;
  return a.login_session_id < b.login_session_id ? 1 : a.login_session_id > b.login_session_id ? -1 : 0;
}

/** Largest read for one page (reached only when thousands of sessions ended in the same second). */
const MAX_FETCH = 10_000;

/**
 * One page of a recipient's finished sessions. The store pages by logout_time only
 * (`before`, exclusive); the start key adds the session id so that sessions that ended in
 * the same second are neither skipped nor repeated across pages.
 */
export async function sessionList(req: SessionListRequest, ctx: DirectoryContext): Promise<SessionListReply> {
  const user = await ctx.store.getUser(req.account_id, req.recipient_id);
  // History stays readable after qubicle was disabled for the user; an unknown user is a 404.
  if (!user || user.doc.account_id !== req.account_id) throw notFound(req.recipient_id);

  const cursor = req.start_key !== undefined ? parseSessionStartKey(req.start_key) : null;
  if (req.start_key !== undefined && !cursor) {
    throw invalidData({ start_key: { pattern: { message: 'Invalid start_key', cause: req.start_key } } });
  }
  const inPage = (s: SessionRecord): boolean =>
    !cursor || s.logout_time < cursor.logout_time || (s.logout_time === cursor.logout_time && s.login_session_id <= cursor.login_session_id);

  // One more than the page: it tells whether there is a next page and where it starts.
  const want = req.limit + 1;
  let fetch = cursor ? want + 8 : want;
  let page: SessionRecord[];
  for (;;) {
    const rows = await ctx.store.listSessions(req.account_id, req.recipient_id, {
      limit: fetch,
      ...(cursor ? { before: cursor.logout_time + 1 } : {}),
    });
    const candidates = rows.sort(newestFirst).filter(inPage);
    if (candidates.length >= want || rows.length < fetch || fetch >= MAX_FETCH) {
      page = candidates.slice(0, want);
      break;
    }
    // More sessions ended in the cursor's second than were read: read further.
    fetch = Math.min(MAX_FETCH, fetch * 2);
  }
  const sessions = page.slice(0, req.limit).map(toApi);
  const next = page[req.limit];
  return next ? { sessions, next_start_key: sessionStartKey(next) } : { sessions };
}

function toApi(s: SessionRecord): RecipientSession {
  const out: RecipientSession = {
    login_session_id: s.login_session_id,
    login_time: s.login_time,
    logout_time: s.logout_time,
    stats: { ...s.stats },
    node: s.node,
  };
  if (s.reason !== undefined && s.reason !== null) out.reason = s.reason;
  if (s.time_in_state) {
    out.time_in_state = { ...s.time_in_state };
    out.time_in_reason = { ...(s.time_in_reason ?? {}) };
  }
  return out;
}
