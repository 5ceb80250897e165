/** The session history in MongoDB (ports/sessions.ts): `sessions`, _id = sessions.ts `sessionKey` (appending again replaces). */
import type { ClientSession } from 'mongodb';
import type { SessionRecord } from '@qubicle/contracts';
import { plainJson } from '../documents.js';
import type { SessionStore } from '../ports/sessions.js';
import { sessionKey, sessionPageLimit, sessionRecord } from '../sessions.js';
import type { MongoConnection, SessionRow } from './connection.js';

/** One idempotent write; in the caller's transaction when `session` is given (a logout's). */
export async function upsertSession(db: MongoConnection, rec: SessionRecord, session?: ClientSession): Promise<void> {
  const row: Omit<SessionRow, '_id'> = {
    account_id: rec.account_id,
    recipient_id: rec.recipient_id,
    login_session_id: rec.login_session_id,
    login_time: rec.login_time,
    logout_time: rec.logout_time,
    node: rec.node,
    stats: plainJson(rec.stats),
  };
  if (typeof rec.reason === 'string') row.reason = rec.reason;
  if (rec.time_in_state) {
    row.time_in_state = plainJson(rec.time_in_state);
    row.time_in_reason = plainJson(rec.time_in_reason ?? {});
  }
  await db.sessions.replaceOne({ _id: sessionKey(rec) }, row, session ? { upsert: true, session } : { upsert: true });
}

export class MongoSessionStore implements SessionStore {
  constructor(private readonly db: MongoConnection) {}

  async appendSession(rec: SessionRecord): Promise<void> {
    await this.db.run(() => upsertSession(this.db, rec));
  }

  async listSessions(accountId: string, recipientId: string, opts: { limit: number; before?: number }): Promise<SessionRecord[]> {
    const limit = sessionPageLimit(opts.limit);
    if (limit === 0) return [];
    return this.db.run(async () => {
      const query =
        opts.before === undefined
          ? { account_id: accountId, recipient_id: recipientId }
          : { account_id: accountId, recipient_id: recipientId, logout_time: { $lt: opts.before } };
      const rows = await this.db.sessions.find(query).sort({ logout_time: -1, login_session_id: -1 }).limit(limit).toArray();
      return rows.map((row) => sessionRecord(row));
    });
  }
}
