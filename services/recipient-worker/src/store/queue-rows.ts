/**
 * A running queue's state kept as rows (SQLite): the header (everything but the roster and the
 * callers, one small JSON) and one row per member and per caller, so that a change writes the
 * header and the rows it touched (ports/queues-runtime.ts `QueueWrite.changes`), not the 10,000
 * callers a busy queue holds. A header written by an earlier version still holds both lists
 * (the whole state in one JSON): it is read as it is and replaced by rows on its next write.
 */
import { sessionOrder } from '../queue/machine/session-order.js';
import type { MemberView, QueuedSession, QueueState } from '../queue/machine/types.js';

export type QueueHeader = Omit<QueueState, 'members' | 'sessions'>;

/** The header of `state` as stored (JSON, without members and sessions). */
export function queueHeaderJson(state: QueueState): string {
  const { members: _m, sessions: _s, ...header } = state;
  return JSON.stringify(header);
}

/** A stored header that is a whole state (written before the rows). */
export function isWholeState(header: QueueHeader | QueueState): header is QueueState {
  return Array.isArray((header as Partial<QueueState>).sessions) && Array.isArray((header as Partial<QueueState>).members);
}

/** The state from its header and rows (in any order): members by recipient id, callers in routing order. */
export function queueStateOf(header: QueueHeader, members: MemberView[], sessions: QueuedSession[]): QueueState {
  members.sort((a, b) => (a.recipient_id < b.recipient_id ? -1 : a.recipient_id > b.recipient_id ? 1 : 0));
  sessions.sort(sessionOrder);
  return { ...header, members, sessions };
}
