/** The starting values of a queue's state and of a member's view (the one place that knows them). */
import type { QueueRoutingSettings } from '@qubicle/contracts';
import { routerOf } from '../routers/index.js';
import { freshStats } from './stats.js';
import type { MemberView, QueueState } from './types.js';

/** A member the queue knows nothing of yet: not logged in until a status of theirs says otherwise. */
export function freshMemberView(recipientId: string): MemberView {
  return {
    recipient_id: recipientId,
    seq: 0,
    availability_state: 'Not-Logged-In',
    queue_enabled: true,
    wiretapping: false,
    idle_since: 0,
    offered_session: null,
    wait_for_seq: null,
    handled_calls: 0,
    offers: 0,
    removed: false,
  };
}

export function freshQueueState(init: { account_id: string; queue_id: string; settings: QueueRoutingSettings; members: string[]; day_start: number }): QueueState {
  const members = [...new Set(init.members)].sort().map(freshMemberView);
  return {
    account_id: init.account_id,
    queue_id: init.queue_id,
    settings: { ...init.settings },
    members,
    sessions: [],
    next_order: 1,
    router_state: routerOf(init.settings.queue_router).initialState(),
    stats: freshStats(init.day_start),
    seq: 0,
    recent_inputs: [],
  };
}
