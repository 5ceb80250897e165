/**
 * A QueueDraft is the working copy of one transition. Unlike the recipient's draft it does not
 * deep-copy the state: a queue holds hundreds of callers and members and takes thousands of inputs a
 * second, so it copies on write: the top level at once, the members array / the sessions array / the
 * stats the first time a rule changes them, and each member or session the first time it is
 * changed. Rules must therefore change nested objects only through `member()`, `session()`,
 * `sessions()` and `stats()`; nested values not listed there (an offer, `visited`) are replaced,
 * never edited. The tests run every transition on a deep-frozen state to hold rules to it.
 */
import { okReply, type QueueEvent, type QueueEventName } from '@qubicle/contracts';
import { memberIndex } from './members.js';
import { cloneStats, freshStats, isNewDay } from './stats.js';
import { queueStatusOf } from './status.js';
import {
  RECENT_INPUTS_KEPT,
  TICK_TIMER,
  type JoinResult,
  type MemberView,
  type QueuedSession,
  type QueueEffect,
  type QueueInput,
  type QueueMachineContext,
  type QueueState,
  type QueueStatsState,
  type QueueTransitionResult,
} from './types.js';

/** Optional payload of a queue event (commit fills in the rest). */
export type QueueEventExtra = Pick<QueueEvent, 'caller' | 'position' | 'estimated_wait' | 'reason' | 'wait' | 'recipient_id' | 'redirected_to' | 'final_stats' | 'assigned_by'>;

export class QueueDraft {
  /** null once the queue stopped in this transition */
  state: QueueState | null;
  private readonly events: Array<QueueEventExtra & { event: QueueEventName; seq: number }> = [];
  private readonly effects: QueueEffect[] = [];
  private seq: number;
  private readonly hadSessions: boolean;
  private ownMembers = false;
  private readonly ownMember = new Set<MemberView>();
  private ownSessions = false;
  private readonly ownSession = new Set<string>();
  private ownStats = false;

  constructor(
    start: QueueState,
    readonly ctx: QueueMachineContext,
  ) {
    this.state = { ...start };
    this.seq = start.seq;
    this.hadSessions = start.sessions.length > 0;
    if (isNewDay(start.stats, ctx.day_start)) this.newDay();
  }

  get s(): QueueState {
    if (!this.state) throw new Error('queue already stopped in this transition');
    return this.state;
  }

  /** A member this transition may change (copied on first use). */
  member(id: string): MemberView {
    const list = this.members();
    const i = memberIndex(list, id);
    if (i < 0) throw new Error(`no member ${id}`);
    let m = list[i]!;
    if (!this.ownMember.has(m)) {
      m = { ...m };
      list[i] = m;
      this.ownMember.add(m);
    }
    return m;
  }

  hasMember(id: string): boolean {
    return memberIndex(this.s.members, id) >= 0;
  }

  /** The roster array itself (copied on first use), to add or remove members; keep it sorted. */
  members(): MemberView[] {
    const s = this.s;
    if (!this.ownMembers) {
      s.members = s.members.slice();
      this.ownMembers = true;
    }
    return s.members;
  }

  /** Adds a member at its sorted place (it is this transition's own object). */
  addMember(m: MemberView): void {
    const list = this.members();
    const i = memberIndex(list, m.recipient_id);
    if (i >= 0) return;
    list.splice(-i - 1, 0, m);
    this.ownMember.add(m);
  }

  removeMember(id: string): void {
    const list = this.members();
    const i = memberIndex(list, id);
    if (i >= 0) list.splice(i, 1);
  }

  /** The sessions array itself, to insert or remove callers (copied on first use). */
  sessions(): QueuedSession[] {
    const s = this.s;
    if (!this.ownSessions) {
      s.sessions = s.sessions.slice();
      this.ownSessions = true;
    }
    return s.sessions;
  }

  /** A session this transition may change (copied on first use); undefined when not in the queue. */
  session(sessionId: string): QueuedSession | undefined {
    const list = this.s.sessions;
    const i = list.findIndex((x) => x.session_id === sessionId);
    if (i < 0) return undefined;
    if (!this.ownSession.has(sessionId)) {
      const copy = { ...list[i]! };
      this.sessions()[i] = copy;
      this.ownSession.add(sessionId);
    }
    return this.s.sessions[i]!;
  }

  /** Marks a session just added (it is this transition's own object). */
  ownsSession(sessionId: string): void {
    this.ownSession.add(sessionId);
  }

  stats(): QueueStatsState {
    const s = this.s;
    if (!this.ownStats) {
      s.stats = cloneStats(s.stats);
      this.ownStats = true;
    }
    return s.stats;
  }

  /** The day changed: its figures and the members' daily counts start again. */
  private newDay(): void {
    const s = this.s;
    s.stats = freshStats(this.ctx.day_start, s.stats.ewma_wait_ms, cloneStats(s.stats).minutes);
    this.ownStats = true;
    for (const { recipient_id } of s.members) {
      const m = this.member(recipient_id);
      m.handled_calls = 0;
      m.offers = 0;
    }
  }

  emit(event: QueueEventName, extra: QueueEventExtra = {}): void {
    const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as QueueEventExtra;
    this.events.push({ event, seq: ++this.seq, ...clean });
  }

  effect(effect: QueueEffect): void {
    this.effects.push(effect);
  }

  /**
   * Ends the transition: events get the status after the whole transition, the tick is armed when
   * the queue just got its first caller, the input id is remembered, persist comes first.
   */
  commit(input: QueueInput, data?: unknown, join?: JoinResult, pending?: true): QueueTransitionResult {
    const { ctx } = this;
    const final = this.state;
    if (final) {
      final.seq = this.seq;
      if ('input_id' in input) {
        const entry = { id: input.input_id, ...(join ? { join } : {}), ...(pending ? { pending } : {}) };
        final.recent_inputs = [...final.recent_inputs, entry].slice(-RECENT_INPUTS_KEPT);
      }
      if (!this.hadSessions && final.sessions.length > 0) {
        const at = ctx.now + final.settings.tick_time;
        this.effects.push({ type: 'arm_timer', key: TICK_TIMER, at, input: { type: 'tick', at } });
      }
    }
    const status = final && (this.events.length > 0 || data === undefined) ? queueStatusOf(final, ctx) : undefined;
    const publishes: QueueEffect[] = this.events.map(({ event, seq, ...extra }) => ({
      type: 'publish',
      event: {
        event,
        account_id: this.accountId,
        queue_id: this.queueId,
        seq,
        timestamp: ctx.now,
        node: ctx.node,
        // after a stop the last status is the one before it
        status: status ?? this.lastStatus!,
        ...extra,
      },
    }));
    const reply = okReply(data === undefined ? status : data, ctx.node);
    return { state: final, effects: [{ type: 'persist' }, ...publishes, ...this.effects], reply };
  }

  /** Stops the queue in this transition (its state is deleted); the status of the events is the one before. */
  stop(): void {
    this.lastStatus = queueStatusOf(this.s, this.ctx);
    this.accountIdKept = this.s.account_id;
    this.queueIdKept = this.s.queue_id;
    this.state = null;
  }

  private lastStatus: ReturnType<typeof queueStatusOf> | undefined;
  private accountIdKept: string | undefined;
  private queueIdKept: string | undefined;
  private get accountId(): string {
    return this.state?.account_id ?? this.accountIdKept!;
  }
  private get queueId(): string {
    return this.state?.queue_id ?? this.queueIdKept!;
  }
}
