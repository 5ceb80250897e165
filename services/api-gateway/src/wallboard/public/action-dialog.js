/**
 * What a card's action asks before it is sent: an Away asks which away reason (of the account's
 * catalogue) and for how long (a timed break, optional); an action on *another* recipient (a
 * supervisor's) asks why, which the audit trail keeps (`audit_reason`). An agent's own Ready,
 * log in or log out goes at once. Resolves with the fields to send, or null when cancelled.
 */
const $ = (id) => document.getElementById(id);

/** The most a timed break may last, in minutes (the API's MAX_AWAY_SECONDS is a day). */
const MAX_BREAK_MINUTES = 1440;

export function needsDialog(action, supervising) {
  return supervising || action === 'away';
}

/**
 * @param {{name: string, action: string, label: string, supervising: boolean, reasons: Array<{name: string, label: string}>}} o
 * @returns {Promise<null | {reason?: string, duration_seconds?: number, audit_reason?: string}>}
 */
export function askAction(o) {
  const dialog = $('act-dialog');
  const form = $('act-form');
  const away = o.action === 'away';
  $('act-title').textContent = `${o.label}: ${o.name}`;
  $('act-away-row').hidden = !away;
  $('act-duration-row').hidden = !away;
  $('act-audit-row').hidden = !o.supervising;
  const select = $('act-away-reason');
  select.replaceChildren(new Option('No reason', ''), ...o.reasons.map((r) => new Option(r.label, r.name)));
  $('act-duration').value = '';
  $('act-duration').max = String(MAX_BREAK_MINUTES);
  const audit = $('act-audit');
  audit.value = '';
  audit.required = o.supervising;
  $('act-error').textContent = '';
  return new Promise((resolve) => {
    const finish = (value) => {
      form.removeEventListener('submit', submit);
      $('act-cancel').removeEventListener('click', cancel);
      dialog.removeEventListener('cancel', cancel);
      dialog.close();
      resolve(value);
    };
    const submit = (ev) => {
      ev.preventDefault();
      const out = {};
      if (away && select.value) out.reason = select.value;
      const minutes = $('act-duration').value.trim();
      if (away && minutes) {
        const n = Number(minutes);
        if (!Number.isInteger(n) || n < 1 || n > MAX_BREAK_MINUTES) {
          $('act-error').textContent = `A break is 1 to ${MAX_BREAK_MINUTES} whole minutes.`;
          return;
        }
        out.duration_seconds = n * 60;
      }
      if (o.supervising) {
        const why = audit.value.trim();
        if (!why) {
          $('act-error').textContent = 'Say why: the audit trail keeps it.';
          return;
        }
        out.audit_reason = why.slice(0, 256);
      }
      finish(out);
    };
    const cancel = (ev) => {
      ev?.preventDefault();
      finish(null);
    };
    form.addEventListener('submit', submit);
    $('act-cancel').addEventListener('click', cancel);
    dialog.addEventListener('cancel', cancel);
    dialog.showModal();
    (away ? select : audit).focus();
  });
}
