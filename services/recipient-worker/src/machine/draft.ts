/**
 * A Draft is the working copy of one transition: a deep copy of the state that the rules
 * mutate, plus the events and effects they produce. `commit` turns it into the result the
 * actor executes. Keeping this bookkeeping in one place lets every rule stay a few lines
 * that read like the design's table.
 */
import {
  actorOfCommand,
  NOT_LOGGED_IN_STATUS,
  timeBucketOf,
  type StateTimes,
  okReply,
  recentCommandId,
  statusOf,
  type AvailabilityState,
  type ChangeActor,
  type RecipientEvent,
  type RecipientEventName,
  type RecipientState,
  type RecipientStatus,
} from '@qubicle/contracts';
import {
  RECENT_COMMANDS_KEPT,
  type Effect,
  type MachineContext,
  type MachineInput,
  type TimerInput,
  type TimerKind,
  type TransitionResult,
} from './types.js';

/** Optional payload of an event (everything but what commit fills in). */
export type EventExtra = Pick<RecipientEvent, 'call' | 'reason' | 'final_stats' | 'wiretap' | 'queue_id' | 'actor'>;

interface PendingEvent extends EventExtra {
  event: RecipientEventName;
  seq: number;
}

/** unix seconds, as every stats time is */
export const toSeconds = (ms: number): number => Math.floor(ms / 1000);

export class Draft {
  /** null once the recipient logged out in this transition */
  state: RecipientState | null;
  private readonly events: PendingEvent[] = [];
  private readonly effects: Effect[] = [];
  private seq: number;
  private readonly accountId: string;
  private readonly recipientId: string;
  /** the ids applied before this transition (a logout hands them to the tombstone) */
  private readonly startCommands: RecipientState['recent_commands'];
  /** the state before this transition: its state and reason get the time since its state_since */
  private readonly start: RecipientState;

  constructor(
    start: RecipientState,
    readonly ctx: MachineContext,
  ) {
    this.state = cloneState(start);
    this.seq = start.seq;
    this.accountId = start.account_id;
    this.recipientId = start.recipient_id;
    this.startCommands = start.recent_commands;
    this.start = start;
  }

  /**
   * The session's time in each state and reason (ms) as of now: the totals up to the start state's
   * state_since, plus the time since then for the start state (and its away reason). Every state a
   * transition passes through before its last one lasts 0 ms, so the start state is the only one
   * that gained time.
   */
  timesNow(): { time_in_state: StateTimes; time_in_reason: Record<string, number> | null } {
    return accountedTimes(this.start, this.ctx.now);
  }

  /** The logged-in state being edited (a rule that logged the recipient out must not touch it again). */
  get s(): RecipientState {
    if (!this.state) throw new Error('recipient already logged out in this transition');
    return this.state;
  }

  get nowSeconds(): number {
    return toSeconds(this.ctx.now);
  }

  /** Changes availability_state; every such change stamps last_action_time. */
  enter(availability: RecipientState['availability_state']): void {
    this.s.availability_state = availability;
    this.s.stats.last_action_time = this.nowSeconds;
  }

  emit(event: RecipientEventName, extra: EventExtra = {}): void {
    this.events.push({ event, seq: ++this.seq, ...stripUndefined(extra) });
  }

  effect(effect: Effect): void {
    this.effects.push(effect);
  }

  armTimer(kind: TimerKind, input: TimerInput): void {
    this.effects.push({ type: 'arm_timer', kind, at: input.deadline, input });
  }

  cancelTimer(kind: TimerKind): void {
    this.effects.push({ type: 'cancel_timer', kind });
  }

  /** Ends the transition: statuses, seq, the reply (recorded for redelivery), persist + publish. */
  commit(input: MachineInput, data?: unknown): TransitionResult {
    const { now, node } = this.ctx;
    const final = this.state;
    if (final) final.seq = this.seq; // before the status: its revision is this change's last seq
    const status: RecipientStatus = final ? statusOf(final, now, node) : { ...NOT_LOGGED_IN_STATUS };
    const reply = okReply(data === undefined ? status : data, node);
    if (reply.ok) reply.seq = this.seq;
    // who made the change: the input's actor, unless a step names its own (the missed-call policy)
    const actor = actorOfInput(input, this.accountId);
    const why = 'audit_reason' in input && input.audit_reason !== undefined ? { audit_reason: input.audit_reason } : {};
    const publishes: Effect[] = this.events.map(({ event, seq, ...extra }) => ({
      type: 'publish',
      event: {
        event,
        account_id: this.accountId,
        recipient_id: this.recipientId,
        seq,
        timestamp: now,
        node,
        status, // shared with the reply: both are only ever serialised
        actor,
        ...why,
        ...extra,
      },
    }));
    const kept = this.ctx.recentCommandsKept ?? RECENT_COMMANDS_KEPT;
    const applied = 'command_id' in input ? [input.command_id] : [];
    let persist: Effect;
    if (final) {
      if (final.availability_state !== this.start.availability_state || final.away_reason !== this.start.away_reason) {
        // the state (or its reason) changed: close the start state's stretch in the totals
        const times = this.timesNow();
        final.time_in_state = times.time_in_state;
        final.time_in_reason = times.time_in_reason;
        final.state_since = now;
      }
      // ids only: a duplicate's answer is re-derived (transition.ts, duplicateReply)
      if (applied.length > 0) final.recent_commands = [...final.recent_commands, ...applied].slice(-kept);
      persist = { type: 'persist' };
    } else {
      // logged out: the store's tombstone remembers the session's ids, this command's included
      persist = { type: 'persist', recent_commands: [...this.startCommands.map(recentCommandId), ...applied].slice(-kept) };
    }
    return { state: final, effects: [persist, ...publishes, ...this.effects], reply };
  }
}

/** The actor of an input: a command's sender (`by`), or the timer / the cluster that fed it. */
export function actorOfInput(input: MachineInput, accountId: string): ChangeActor {
  switch (input.type) {
    case 'offer_timeout':
      return { kind: 'timer', id: 'offer' };
    case 'wrapup_end':
      return { kind: 'timer', id: 'wrapup' };
    case 'away_end':
      return { kind: 'timer', id: 'away' };
    case 'away_alert':
      return { kind: 'timer', id: 'away_alert' };
    case 'monitor_target_gone':
      return { kind: 'system', id: 'target_logged_out' };
    // call events come from a queue or media service, never from a person: a `by.user_id` in one
    // (which a service could put there) does not make a user the actor of the audit trail
    case 'offer':
    case 'answer':
    case 'reject':
    case 'withdraw':
    case 'hangup':
      return actorOfCommand(input.by?.service !== undefined ? { service: input.by.service } : undefined, accountId);
    default:
      return actorOfCommand(input.by, accountId);
  }
}

/**
 * A deep copy of a state for a draft to edit. By hand rather than structuredClone: several times
 * faster, and the strings (ids, names; immutable) are shared with the previous state instead of
 * copied, which keeps a logged-in recipient's memory small (docs/performance.md). Every nested
 * object of RecipientState is listed here.
 */
export function cloneState(s: RecipientState): RecipientState {
  // every field spelled out (not a spread): the copy gets all its fields in-object, no separate
  // property array (~100 bytes less per recipient), and a field added to RecipientState fails to compile here
  return {
    account_id: s.account_id,
    recipient_id: s.recipient_id,
    login_session_id: s.login_session_id,
    availability_state: s.availability_state,
    queue_availability: { ...s.queue_availability },
    next_state: s.next_state,
    away_reason: s.away_reason,
    away_since: s.away_since,
    away_deadline: s.away_deadline,
    away_alert_deadline: s.away_alert_deadline,
    pending_away: s.pending_away ? { reason: s.pending_away.reason, duration_seconds: s.pending_away.duration_seconds } : null,
    state_since: s.state_since,
    time_in_state: {
      ready: s.time_in_state.ready,
      away: s.time_in_state.away,
      call_offer: s.time_in_state.call_offer,
      on_a_call: s.time_in_state.on_a_call,
      wrapup_time: s.time_in_state.wrapup_time,
    },
    time_in_reason: s.time_in_reason ? { ...s.time_in_reason } : null,
    offered_call: s.offered_call ? { ...s.offered_call } : null,
    offer_deadline: s.offer_deadline,
    handling_call: s.handling_call ? { ...s.handling_call } : null,
    answered_at: s.answered_at,
    wrapup_seconds: s.wrapup_seconds,
    wrapup_deadline: s.wrapup_deadline,
    wiretapping_recipient: s.wiretapping_recipient,
    wiretap_mode: s.wiretap_mode,
    consecutive_misses: s.consecutive_misses,
    total_talk_ms: s.total_talk_ms,
    stats: {
      total_calls: s.stats.total_calls,
      missed_calls: s.stats.missed_calls,
      avg_call_time: s.stats.avg_call_time,
      login_time: s.stats.login_time,
      last_action_time: s.stats.last_action_time,
      last_handled_time: s.stats.last_handled_time,
    },
    seq: s.seq,
    recent_commands: s.recent_commands.slice(),
  };
}

/** A state where a call or wrap-up is in progress: ready/away/logout are deferred there. */
export function isBusy(state: AvailabilityState): state is 'Call-Offer' | 'On-A-Call' | 'Wrapup-Time' {
  return state === 'Call-Offer' || state === 'On-A-Call' || state === 'Wrapup-Time';
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The totals of `s` (ms) with the time from its state_since to `now` added to its state and away reason. */
export function accountedTimes(s: RecipientState, now: number): { time_in_state: StateTimes; time_in_reason: Record<string, number> | null } {
  const elapsed = Math.max(0, now - s.state_since);
  const time_in_state = { ...s.time_in_state };
  time_in_state[timeBucketOf(s.availability_state)] += elapsed;
  let time_in_reason = s.time_in_reason ? { ...s.time_in_reason } : null;
  if (s.availability_state === 'Away' && s.away_reason !== null) {
    time_in_reason ??= {};
    time_in_reason[s.away_reason] = (time_in_reason[s.away_reason] ?? 0) + elapsed;
  }
  return { time_in_state, time_in_reason };
}
