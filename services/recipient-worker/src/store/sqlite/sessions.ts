/** The session history in SQLite (ports/sessions.ts): the `sessions` table, indexed by recipient and logout_time. */
import type { SessionRecord } from '@qubicle/contracts';
import type { SessionStore } from '../ports/sessions.js';
import { sessionPageLimit, sessionRecord } from '../sessions.js';
import type { SqliteConnection } from './connection.js';

/**
 * A SessionRecord as the table's columns hold it: no reason is NULL, the stats are JSON text, the
 * time in each state and reason JSON text `{time_in_state, time_in_reason}` (NULL before version 4).
 */
type SessionRow = Omit<SessionRecord, 'reason' | 'stats' | 'time_in_state' | 'time_in_reason'> & { reason: string | null; stats: string; times: string | null };

const SESSION_COLUMNS = 'account_id, recipient_id, login_session_id, login_time, logout_time, node, reason, stats, times';
const UPSERT_SESSION = `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (account_id, recipient_id, login_session_id) DO UPDATE SET
    login_time = excluded.login_time, logout_time = excluded.logout_time, node = excluded.node,
    reason = excluded.reason, stats = excluded.stats, times = excluded.times`;

/** One statement (inside the caller's operation: a logout writes it in its own transaction). */
export function upsertSession(db: SqliteConnection, rec: SessionRecord): void {
  db.stmt(UPSERT_SESSION).run(
    rec.account_id,
    rec.recipient_id,
    rec.login_session_id,
    rec.login_time,
    rec.logout_time,
    rec.node,
    rec.reason ?? null,
    JSON.stringify(rec.stats),
    rec.time_in_state ? JSON.stringify({ time_in_state: rec.time_in_state, time_in_reason: rec.time_in_reason ?? {} }) : null,
  );
}

export class SqliteSessionStore implements SessionStore {
  constructor(private readonly db: SqliteConnection) {}

  async appendSession(rec: SessionRecord): Promise<void> {
    await this.db.run(() => upsertSession(this.db, rec));
  }

  async listSessions(accountId: string, recipientId: string, opts: { limit: number; before?: number }): Promise<SessionRecord[]> {
    const limit = sessionPageLimit(opts.limit);
    if (limit === 0) return [];
    return this.db.run(() => {
      const rows = (
        opts.before === undefined
          ? this.db
              .stmt(
                `SELECT ${SESSION_COLUMNS} FROM sessions WHERE account_id = ? AND recipient_id = ?
                 ORDER BY logout_time DESC, login_session_id DESC LIMIT ?`,
              )
              .all(accountId, recipientId, limit)
          : this.db
              .stmt(
                `SELECT ${SESSION_COLUMNS} FROM sessions WHERE account_id = ? AND recipient_id = ? AND logout_time < ?
                 ORDER BY logout_time DESC, login_session_id DESC LIMIT ?`,
              )
              .all(accountId, recipientId, opts.before, limit)
      ) as SessionRow[];
      return rows.map(({ times, ...row }) =>
        sessionRecord({ ...row, stats: JSON.parse(row.stats) as SessionRecord['stats'], ...(times ? (JSON.parse(times) as Pick<SessionRecord, 'time_in_state' | 'time_in_reason'>) : {}) }),
      );
    });
  }
}
