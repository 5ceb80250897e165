/** The final summary of a run, as text for a terminal. */
import type { SimulationResult } from './simulation.js';

function pad(text: string | number, width: number, right = false): string {
  const s = String(text);
  return right ? s.padStart(width) : s.padEnd(width);
}

export function formatResult(r: SimulationResult): string {
  const lines: string[] = [];
  const secs = r.elapsedMs / 1000;
  const refused = Object.entries(r.offers.refused)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const state = r.aborted ? 'ABORTED' : r.stalled ? 'STALLED' : r.completed ? 'done' : 'INCOMPLETE';
  lines.push(`simulation ${state}: account ${r.accountName} (${r.accountId}), queue ${r.queueId}, ${secs.toFixed(1)} s`);
  lines.push(
    `calls:  ${r.calls.placed} placed, ${r.calls.answered} answered, ${r.calls.abandoned} abandoned, ${r.calls.unfinished} unfinished` +
      ` (${(r.calls.answered / Math.max(secs, 0.001)).toFixed(1)} answered/s)`,
  );
  lines.push(
    `offers: ${r.offers.sent} sent, ${r.offers.accepted} accepted, ${r.offers.answered} answered, ${r.offers.rejected} rejected, ` +
      `${r.offers.timedOut} timed out, ${r.offers.abandoned} abandoned, ${r.offers.withdrawnByLogout} withdrawn by logout` +
      (refused ? `; refused: ${refused}` : '') +
      (r.offers.errors ? `; ${r.offers.errors} errors` : ''),
  );
  if (r.awayForMisses) lines.push(`missed-call policy: ${r.awayForMisses} time(s) a recipient was sent Away`);
  const w = Math.max(9, ...r.recipients.map((x) => x.name.length));
  lines.push('');
  lines.push(
    `${pad('recipient', w)}  ${pad('offers', 6, true)} ${pad('answer', 6, true)} ${pad('reject', 6, true)} ${pad('timeout', 7, true)} ${pad('abandon', 7, true)}` +
      `  ${pad('total_calls Δ', 13, true)} ${pad('missed_calls Δ', 14, true)} ${pad('avg_call_time*', 14, true)}`,
  );
  for (const x of r.recipients) {
    lines.push(
      `${pad(x.name, w)}  ${pad(x.offers, 6, true)} ${pad(x.answered, 6, true)} ${pad(x.rejected, 6, true)} ${pad(x.timedOut, 7, true)} ${pad(x.abandoned, 7, true)}` +
        `  ${pad(x.totalCallsDelta ?? '-', 13, true)} ${pad(x.missedCallsDelta ?? '-', 14, true)} ${pad(x.after ? x.after.avg_call_time : '-', 14, true)}`,
    );
  }
  lines.push('(Δ: change during this run; * of the whole login session)');
  lines.push('');
  lines.push(
    `check: sum(total_calls Δ) ${r.totals.totalCalls} ${r.totals.totalCalls === r.offers.answered ? '==' : '!='} answered ${r.offers.answered}; ` +
      `sum(missed_calls Δ) ${r.totals.missedCalls} ${r.totals.missedCalls === r.offers.rejected + r.offers.timedOut ? '==' : '!='} ` +
      `rejected + timed out ${r.offers.rejected + r.offers.timedOut} → ${r.consistent ? 'CONSISTENT' : 'NOT CONSISTENT'}`,
  );
  for (const p of r.problems) lines.push(`problem: ${p}`);
  return lines.join('\n');
}
