/**
 * Which members and callers a transition changed, for a store that keeps them as rows
 * (ports/queues-runtime.ts `QueueWrite.changes`). The machine's draft copies on write (draft.ts):
 * a member or caller it changed is a NEW object, one it did not touch is the same object, so
 * comparing references tells exactly what changed without serialising anything. Both lists are
 * sorted (members by recipient id, callers in routing order), so one merge walk finds additions,
 * removals and replacements in O(n) comparisons and no allocation per unchanged row.
 */
import { sessionOrder } from '../machine/session-order.js';
import type { MemberView, QueuedSession, QueueState } from '../machine/types.js';
import type { QueueChanges, RowChanges } from '../../store/ports/queues-runtime.js';

const byRecipientId = (a: MemberView, b: MemberView): number => (a.recipient_id < b.recipient_id ? -1 : a.recipient_id > b.recipient_id ? 1 : 0);

/** The changes from `before` (what the store holds) to `after`; undefined = write the whole state. */
export function queueChangesOf(before: QueueState | null, after: QueueState): QueueChanges | undefined {
  if (!before || before.account_id !== after.account_id || before.queue_id !== after.queue_id) return undefined;
  const members = diffSorted(before.members, after.members, byRecipientId, (m) => m.recipient_id);
  const sessions = diffSorted(before.sessions, after.sessions, sessionOrder, (s) => s.session_id);
  if (!members || !sessions) return undefined;
  return { base_seq: before.seq, members, sessions };
}

/** Merge walk of two lists sorted by `cmp`; undefined when they are not (then the caller writes whole). */
function diffSorted<T>(a: readonly T[], b: readonly T[], cmp: (x: T, y: T) => number, id: (x: T) => string): RowChanges<T> | undefined {
  const out: RowChanges<T> = { put: [], removed: [] };
  if (a === b) return out;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i >= a.length) out.put.push(b[j++]!);
    else if (j >= b.length) out.removed.push(id(a[i++]!));
    else {
      const c = cmp(a[i]!, b[j]!);
      if (c === 0) {
        if (id(a[i]!) !== id(b[j]!)) return undefined;
        if (a[i] !== b[j]) out.put.push(b[j]!);
        i++;
        j++;
      } else if (c < 0) out.removed.push(id(a[i++]!));
      else out.put.push(b[j++]!);
    }
    // a list out of order would make the walk miss rows: refuse rather than guess
    if ((i > 1 && i <= a.length && cmp(a[i - 2]!, a[i - 1]!) >= 0) || (j > 1 && j <= b.length && cmp(b[j - 2]!, b[j - 1]!) >= 0)) return undefined;
  }
  return out;
}
