/** The roster is an array sorted by recipient id: found by binary search. */
import type { MemberView, QueueState } from './types.js';

/** Index of `id` in the sorted roster, or -(insertion point) - 1 when absent. */
export function memberIndex(members: readonly MemberView[], id: string): number {
  let lo = 0;
  let hi = members.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const other = members[mid]!.recipient_id;
    if (other < id) lo = mid + 1;
    else if (other > id) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

export function findMember(state: Pick<QueueState, 'members'>, id: string): MemberView | undefined {
  const i = memberIndex(state.members, id);
  return i >= 0 ? state.members[i] : undefined;
}
