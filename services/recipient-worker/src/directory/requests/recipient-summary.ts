import {
  TIME_STATES,
  awayCatalogueOf,
  occupancyOf,
  zeroStateTimes,
  type RecipientSummary,
  type RecipientSummaryRequest,
} from '@qubicle/contracts';
import { invalidData, notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';

/** Most sessions one day's summary reads (far more than anyone logs in and out in a day). */
const MAX_SESSIONS_PER_DAY = 2_000;

/**
 * The sums of the recipient's sessions that ended on `date` (UTC), read newest first from the
 * session history. A session stored before time in each state was kept adds its login time and
 * calls only. Productive away time uses the catalogue as it is now.
 */
export async function recipientSummary(req: RecipientSummaryRequest, ctx: DirectoryContext): Promise<RecipientSummary> {
  const user = await ctx.store.getUser(req.account_id, req.recipient_id);
  if (!user || user.doc.account_id !== req.account_id) throw notFound(req.recipient_id);
  const dayStart = Date.parse(`${req.date}T00:00:00Z`) / 1000;
  if (!Number.isFinite(dayStart) || new Date(dayStart * 1000).toISOString().slice(0, 10) !== req.date) {
    throw invalidData({ date: { pattern: { message: 'Not a calendar day (YYYY-MM-DD)', cause: req.date } } });
  }
  const dayEnd = dayStart + 86_400; // exclusive

  // newest first, ending before the day's end: the day's sessions come first (one bounded read)
  const rows = await ctx.store.listSessions(req.account_id, req.recipient_id, { limit: MAX_SESSIONS_PER_DAY, before: dayEnd });
  const sessions = rows.filter((s) => s.logout_time >= dayStart);

  const account = await ctx.store.getAccount(req.account_id);
  const catalogue = awayCatalogueOf(account?.qubicle?.away_reasons);
  const times = zeroStateTimes();
  const reasons: Record<string, number> = {};
  let loggedIn = 0;
  let calls = 0;
  let missed = 0;
  for (const s of sessions) {
    loggedIn += Math.max(0, s.logout_time - s.login_time);
    calls += s.stats.total_calls;
    missed += s.stats.missed_calls;
    for (const k of TIME_STATES) times[k] += s.time_in_state?.[k] ?? 0;
    for (const [name, sec] of Object.entries(s.time_in_reason ?? {})) reasons[name] = (reasons[name] ?? 0) + sec;
  }
  const productive = Object.entries(reasons).reduce((sum, [name, sec]) => sum + (catalogue.get(name)?.productive === true ? sec : 0), 0);
  return {
    date: req.date,
    sessions: sessions.length,
    logged_in_seconds: loggedIn,
    time_in_state: times,
    time_in_reason: reasons,
    productive_away_seconds: productive,
    total_calls: calls,
    missed_calls: missed,
    occupancy: occupancyOf(times),
  };
}
