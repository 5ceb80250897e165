/** The queue's process: start (ensure_started), settings and roster changes, stop (deleted), status. */
import type { QueueRoutingSettings } from '@qubicle/contracts';
import { routerOf } from '../../routers/index.js';
import { QueueDraft } from '../draft.js';
import { notRunning, read } from '../outcomes.js';
import { freshMemberView, freshQueueState } from '../state.js';
import { queueStatusOf } from '../status.js';
import { abandon, leave, route, withdrawOffer } from '../steps.js';
import {
  callerTimerKey,
  type ConfigureInput,
  type GetQueueStatusInput,
  type QueueMachineContext,
  type QueueState,
  type QueueTransitionResult,
  type RosterInput,
  type StartInput,
  type StopInput,
} from '../types.js';

/**
 * Starts the queue's process. A queue that has no state gets a fresh one (event `create`); one that
 * has (a restart, a failover) keeps its callers and only takes the given settings and roster.
 */
export function start(state: QueueState | null, input: StartInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (state) {
    const d = new QueueDraft(state, ctx);
    applySettings(d, input.settings);
    applyRoster(d, input.members);
    route(d);
    return d.commit(input);
  }
  const fresh = freshQueueState({ account_id: input.account_id, queue_id: input.queue_id, settings: input.settings, members: input.members, day_start: ctx.day_start });
  const d = new QueueDraft(fresh, ctx);
  d.emit('create');
  return d.commit(input);
}

export function configure(state: QueueState | null, input: ConfigureInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state) return notRunning(state, undefined, ctx, 'configure');
  const d = new QueueDraft(state, ctx);
  applySettings(d, input.settings);
  route(d);
  return d.commit(input);
}

export function roster(state: QueueState | null, input: RosterInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state) return notRunning(state, undefined, ctx, 'roster');
  const d = new QueueDraft(state, ctx);
  applyRoster(d, input.members);
  route(d);
  return d.commit(input);
}

/** The queue was deleted: every caller exits (ringing offers withdrawn), the state goes, event `delete`. */
export function stop(state: QueueState | null, input: StopInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state) return read(state, ctx, null);
  const d = new QueueDraft(state, ctx);
  for (const session of [...d.s.sessions]) {
    // a caller who hung up while ringing (its withdraw sent already) is abandoned, as it would have been
    if (session.hung_up) {
      abandon(d, session.session_id, 'unseen');
      continue;
    }
    withdrawOffer(d, session.session_id, 'other');
    leave(d, session.session_id, 'exited');
    d.effect({ type: 'end_session', session_id: session.session_id, call_id: session.call_id, reason: 'exited' });
  }
  const finalStats = queueStatusOf(d.s, ctx).stats;
  d.emit('delete', { reason: input.reason, final_stats: finalStats });
  d.stop();
  return d.commit(input, finalStats);
}

export function getStatus(state: QueueState | null, _input: GetQueueStatusInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state) return notRunning(state, undefined, ctx, 'get_status');
  return read(state, ctx);
}

/**
 * New settings apply to what comes next: offers already made keep their ring time; a new router
 * starts from its initial state; a new `timeout` moves every waiting caller's deadline (measured
 * from when they entered; one already past times out at once).
 */
function applySettings(d: QueueDraft, settings: QueueRoutingSettings): void {
  const s = d.s;
  const old = s.settings;
  s.settings = { ...settings };
  if (settings.queue_router !== old.queue_router) s.router_state = routerOf(settings.queue_router).initialState();
  if (settings.timeout !== old.timeout) {
    for (const { session_id } of s.sessions) {
      const session = d.session(session_id)!;
      session.deadline = session.entered_at + settings.timeout * 1000;
      d.effect({ type: 'arm_timer', key: callerTimerKey(session_id), at: session.deadline, input: { type: 'caller_timeout', session_id, deadline: session.deadline } });
    }
  }
}

/**
 * Members added start unknown (their statuses follow). Members removed go, except one ringing for
 * this queue: that ring runs its course (withdrawing it and offering the caller elsewhere at once
 * could ring two phones for one caller) and they go when it ends, offered nothing new meanwhile.
 */
function applyRoster(d: QueueDraft, ids: readonly string[]): void {
  const wanted = new Set(ids);
  const current = d.s.members;
  const known = new Set(current.map((m) => m.recipient_id));
  const added = [...wanted].filter((id) => !known.has(id));
  const back = current.filter((m) => m.removed && wanted.has(m.recipient_id));
  const removed = current.filter((m) => !m.removed && !wanted.has(m.recipient_id));
  if (added.length === 0 && removed.length === 0 && back.length === 0) return;
  for (const m of back) d.member(m.recipient_id).removed = false;
  for (const m of removed) {
    if (m.offered_session) d.member(m.recipient_id).removed = true;
    else d.removeMember(m.recipient_id);
  }
  for (const id of added) d.addMember(freshMemberView(id));
}
