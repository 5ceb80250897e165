/** The session history in memory (ports/sessions.ts): `sessions`, keyed so that appending the same session again replaces it. */
import type { SessionRecord } from '@qubicle/contracts';
import { plainJson } from '../documents.js';
import type { SessionStore } from '../ports/sessions.js';
import { compareSessionsNewestFirst, sessionKey, sessionPageLimit, sessionRecord } from '../sessions.js';
import type { MemoryConnection, MemoryTables } from './connection.js';

/** Inside the caller's operation (a logout writes it in its own). */
export function upsertSession(tables: MemoryTables, rec: SessionRecord): void {
  tables.sessions.set(sessionKey(rec), sessionRecord(plainJson(rec)));
}

export class MemorySessionStore implements SessionStore {
  constructor(private readonly db: MemoryConnection) {}

  async appendSession(rec: SessionRecord): Promise<void> {
    await this.db.run((t) => upsertSession(t, rec));
  }

  async listSessions(accountId: string, recipientId: string, opts: { limit: number; before?: number }): Promise<SessionRecord[]> {
    const limit = sessionPageLimit(opts.limit);
    if (limit === 0) return [];
    return this.db.run((t) =>
      [...t.sessions.values()]
        .filter((s) => s.account_id === accountId && s.recipient_id === recipientId && (opts.before === undefined || s.logout_time < opts.before))
        .sort(compareSessionsNewestFirst)
        .slice(0, limit)
        .map((s) => plainJson(s)),
    );
  }
}
