/**
 * One actor per running queue, on the node holding its shard's lease: a mailbox around the pure
 * queue machine (../machine), as the recipient actor is around the recipient machine. The inputs
 * that arrived while the previous batch was being written are taken together: transition each in
 * order; PERSIST the last state with all their events (fenced by the shard's lease, the queue
 * outbox in the same atomic write, only the member and caller rows that changed); hand the events
 * to the relay (published in order); (re)arm or cancel timers; carry out the outward effects
 * (offers, withdrawals, status reads, Away), whose outcomes come back as inputs through the same
 * mailbox; reply once the events are confirmed. A fenced write means the shard moved: the actor stops for good and the new
 * owner carries on from the stored state.
 */
import { errorReply, type QueueEvent, type RpcReply } from '@qubicle/contracts';
import type { QueueOutboxEntry } from './queue-outbox.js';
import type { Logger } from '@qubicle/transport';
import type { Clock, TimerHandle } from '../../clock.js';
import { Mailbox } from '../../actor/mailbox.js';
import type { WorkerMetricsSink } from '../../metrics.js';
import { isStoreError, type Fence } from '../../store/port.js';
import type { QueueRuntimeStore } from '../../store/ports/queues-runtime.js';
import { dayStartOf } from '../day.js';
import { queueChangesOf } from './state-changes.js';
import { isSessionReport, outboxEntriesOf, type SessionReportEffect } from './queue-outbox.js';
import { pendingOffersOf, pendingWithdrawsOf, queueTimersOf, transition, type QueueEffect, type QueueInput, type QueueMachineContext, type QueueState, type QueueTimerInput, type QueueTransitionResult } from '../machine/index.js';

/** What the actor needs from the recipient side (the worker gives RecipientBusClient calls). */
export interface QueueRecipientPort {
  offer(effect: Extract<QueueEffect, { type: 'offer' }>, fence: { shard: number; epoch: number }, accountId: string): Promise<{ accepted: boolean; reason?: string }>;
  /**
   * true: withdrawn (the recipient was ringing for it); false: the recipient was not offering it any
   * more (it had answered, rejected or missed it first). Throws when no answer came.
   */
  withdraw(accountId: string, recipientId: string, sessionId: string, reason: string): Promise<boolean>;
  setAway(accountId: string, recipientId: string): Promise<void>;
  /** The recipient's status and event seq, read through its shard queue (after earlier commands). */
  statusOf(accountId: string, recipientId: string): Promise<{ status: import('@qubicle/contracts').RecipientStatus; seq: number }>;
}

/** What becomes of the caller sessions (delivered, ended, redirected): the session side. */
export interface QueueSessionPort {
  delivered(accountId: string, effect: Extract<QueueEffect, { type: 'session_delivered' }>, queueId: string): Promise<void>;
  ended(accountId: string, effect: Extract<QueueEffect, { type: 'end_session' }>, queueId: string): Promise<void>;
  redirected(accountId: string, effect: Extract<QueueEffect, { type: 'redirect_session' }>, queueId: string): Promise<void>;
}

export interface QueueActorEnv {
  store: QueueRuntimeStore;
  clock: Clock;
  logger: Logger;
  node: string;
  fenceOf(shard: number): Fence | null;
  onFenced(shard: number): void;
  /** Publishes a committed change's outbox entries in order, then sends their session reports (the queue relay); never rejects. */
  publish(shard: number, events: QueueOutboxEntry[]): Promise<void>;
  recipients: QueueRecipientPort;
  sessions: QueueSessionPort;
  newId(): string;
  /** The account's IANA timezone (the day's figures start at its midnight); default UTC. */
  timeZoneOf?(accountId: string): string | undefined;
  /** Prometheus metrics of the queue side (metrics.ts); absent = not measured. */
  metrics?: Pick<WorkerMetricsSink, 'queueEvents' | 'queueOffer'>;
}

export interface QueueKey {
  accountId: string;
  queueId: string;
  shard: number;
}

/** A timer input that could not be applied (store down) is retried this much later. */
export const QUEUE_TIMER_RETRY_MS = 1_000;

/** The offer command's reply, as the queue applied it; null when none came (the deadline decides). */
export type OfferReplySeen = { accepted: boolean; reason?: string } | null;

/** Supervisor offers whose reply is kept for the assign route; bounded (a re-sent one nobody asks for). */
const PINNED_REPLIES_KEPT = 64;

interface PendingInput {
  input: QueueInput;
  admitted: Fence | undefined;
  resolve(reply: RpcReply<unknown>): void;
}

const sameFence = (a: Fence | null, b: Fence): boolean => a !== null && a.shard === b.shard && a.epoch === b.epoch && a.node === b.node;

export class QueueActor {
  private readonly mailbox = new Mailbox();
  private pending: PendingInput[] = [];
  private readonly timers = new Map<string, TimerHandle>();
  /** offer id → its reply once applied, for the supervisor's offers (pinned): the assign route answers with it */
  private readonly pinnedReplies = new Map<string, Promise<OfferReplySeen>>();
  private current: QueueState | null = null;
  private loaded = false;
  private stopped = false;

  constructor(
    private readonly env: QueueActorEnv,
    readonly key: QueueKey,
  ) {}

  get state(): QueueState | null {
    return this.current;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Takes the state the new owner loaded: re-arms every timer (one already due fires at once),
   * sends the withdraws of callers who hung up while ringing again, and the outstanding offers
   * again under the new epoch (same command ids: a recipient that had
   * one answers it again rather than ring twice; docs/queues.md "Failover guarantees").
   */
  adopt(state: QueueState, fence: Fence): void {
    this.current = state;
    this.loaded = true;
    const now = this.env.clock.now();
    for (const t of queueTimersOf(state, now)) this.arm(t.key, t.at, t.input);
    for (const offer of pendingOffersOf(state, fence.epoch, now)) void this.carryOut(offer, fence);
    for (const withdraw of pendingWithdrawsOf(state)) void this.carryOut(withdraw, fence);
  }

  /**
   * Queues the input for the next batch: every input that arrives while the mailbox is busy is
   * applied in ONE store write and ONE publish (applyBatch), so a queue flooded with joins costs a
   * transaction and a confirm per batch, not per caller. A read posted after a send always runs
   * after that send's batch (the batch is posted with its first input).
   */
  send(input: QueueInput, admitted?: Fence): Promise<RpcReply<unknown>> {
    return new Promise((resolve) => {
      this.pending.push({ input, admitted, resolve });
      if (this.pending.length === 1) void this.mailbox.post(() => this.drain());
    });
  }

  /** Runs `read` on the state in the mailbox (after every input posted before it). */
  read<T>(read: (state: QueueState | null) => T): Promise<T | 'stopped'> {
    return this.mailbox.post(async () => {
      if (this.stopped) return 'stopped';
      await this.load();
      return read(this.current);
    });
  }

  /**
   * The reply of a supervisor's offer, once the queue applied it (a refusal has put the caller back
   * by then); undefined when no such offer went out here. Taken once.
   */
  pinnedOfferReply(offerId: string): Promise<OfferReplySeen> | undefined {
    const p = this.pinnedReplies.get(offerId);
    this.pinnedReplies.delete(offerId);
    return p;
  }

  idle(): Promise<void> {
    return this.mailbox.idle();
  }

  stop(): void {
    this.stopped = true;
    for (const h of this.timers.values()) this.env.clock.clearTimer(h);
    this.timers.clear();
  }

  /** The context of a transition now. */
  context(epoch: number): QueueMachineContext {
    const now = this.env.clock.now();
    return { now, node: this.env.node, day_start: dayStartOf(now, this.env.timeZoneOf?.(this.key.accountId) ?? 'UTC'), epoch, newId: this.env.newId };
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    const stored = await this.env.store.loadQueue(this.key.accountId, this.key.queueId);
    if (this.stopped) return;
    this.loaded = true;
    const fence = this.env.fenceOf(this.key.shard);
    if (stored && fence) this.adopt(stored.state, fence);
  }

  private unavailable(message: string): RpcReply<never> {
    return errorReply({ code: 'unavailable', message }, this.env.node);
  }

  private fenceFor(admitted: Fence | undefined): Fence | null {
    return admitted?.shard === this.key.shard ? admitted : this.env.fenceOf(this.key.shard);
  }

  private gone(): RpcReply<never> {
    return this.unavailable(`shard ${this.key.shard} is no longer served by ${this.env.node}; retry`);
  }

  /** Applies every input waiting, in order, in as few writes as their fences allow. */
  private async drain(): Promise<void> {
    const items = this.pending.splice(0);
    for (let at = 0; at < items.length; ) at += await this.applyBatch(items, at);
  }

  /**
   * Applies items[from..] that share the first one's fence (up to a deletion) in order, each
   * transition seeing the state the previous one left; then PERSISTS the last state with all their
   * events in ONE fenced write, publishes the events, arms the timers, carries out their effects
   * and, once the events are confirmed, replies to each, in input order. Nothing is answered or done before the write committed; a
   * failed write fails the whole batch and changes nothing. Returns how many items it took.
   */
  private async applyBatch(items: readonly PendingInput[], from: number): Promise<number> {
    const { env, key } = this;
    const first = items[from]!;
    const fence = this.stopped ? null : this.fenceFor(first.admitted);
    if (!fence) {
      first.resolve(this.gone());
      return 1;
    }
    try {
      await this.load();
    } catch (err) {
      env.logger.error({ err, queue_id: key.queueId }, 'queue state read failed');
      first.resolve(this.unavailable(`datastore unavailable: ${(err as Error).message}`));
      return 1;
    }
    if (this.stopped) {
      first.resolve(this.gone());
      return 1;
    }
    const start = this.current;
    let state = start;
    let persist = false;
    // the events, and the sessions' reports riding on them: one atomic write, sent by the relay
    const events: QueueOutboxEntry[] = [];
    const unattached: SessionReportEffect[] = [];
    const applied: Array<{ item: PendingInput; before: QueueState | null; result: QueueTransitionResult | null; reply: RpcReply<unknown> }> = [];
    for (let i = from; i < items.length; i++) {
      const item = items[i]!;
      if (i > from && !sameFence(this.fenceFor(item.admitted), fence)) break;
      let result: QueueTransitionResult;
      try {
        result = transition(state, item.input, this.context(fence.epoch));
      } catch (err) {
        env.logger.error({ err, queue_id: key.queueId, input: item.input.type }, 'queue machine threw');
        applied.push({ item, before: state, result: null, reply: errorReply({ code: 'internal', message: `queue machine failed on ${item.input.type}` }, env.node) });
        continue;
      }
      applied.push({ item, before: state, result, reply: result.reply });
      const entries = outboxEntriesOf(result.effects);
      events.push(...entries.events);
      unattached.push(...entries.unattached);
      const persists = result.effects.some((e) => e.type === 'persist');
      persist ||= persists;
      state = result.state;
      if (state === null && persists) break; // a deletion is written on its own
    }
    if (persist) {
      try {
        // only the rows the batch changed (the store holds `start`: a failed write changed nothing)
        if (state) await env.store.saveQueue({ state, shard: key.shard, events, changes: queueChangesOf(start, state) }, fence);
        else await env.store.deleteQueue(key.accountId, key.queueId, key.shard, events, fence);
      } catch (err) {
        let reply: RpcReply<never>;
        if (isStoreError(err, 'fenced')) {
          env.logger.warn({ shard: key.shard, epoch: fence.epoch, queue_id: key.queueId }, 'queue write fenced: shard lost, queue actor stops');
          this.stop();
          env.onFenced(key.shard);
          reply = this.gone();
        } else {
          env.logger.error({ err, queue_id: key.queueId, inputs: applied.length }, 'queue state write failed; nothing applied');
          reply = this.unavailable(`datastore unavailable: ${(err as Error).message}`);
        }
        for (const a of applied) a.item.resolve(reply);
        return applied.length;
      }
    }
    this.current = state;
    for (const a of applied) if (a.result) this.measure(a.item.input, a.before, a.result, a.result.effects.flatMap((e) => (e.type === 'publish' ? [e.event] : [])));
    // the change is durable: its offers need not wait for the events' confirm (a crash now leaves
    // the events in the outbox for the next owner), the replies do (visible, then answered)
    const published = events.length > 0 ? env.publish(key.shard, events) : undefined;
    for (const a of applied) {
      for (const e of a.result?.effects ?? []) {
        if (e.type === 'arm_timer') this.arm(e.key, e.at, e.input);
        else if (e.type === 'cancel_timer') this.disarm(e.key);
      }
    }
    if (this.current === null) for (const k of [...this.timers.keys()]) this.disarm(k);
    // a report riding on an event is the relay's to send; one without (none here today) goes now
    for (const a of applied) for (const e of a.result?.effects ?? []) if (!isSessionReport(e) || unattached.includes(e)) void this.carryOut(e, fence);
    await published;
    for (const a of applied) a.item.resolve(a.reply);
    return applied.length;
  }

  /** Feeds the committed change to the metrics: read off the events, effects and stats, the machine knows nothing of them. */
  private measure(input: QueueInput, before: QueueState | null, result: QueueTransitionResult, events: QueueEvent[]): void {
    const m = this.env.metrics;
    if (!m) return;
    const settings = (result.state ?? before)?.settings;
    if (events.length > 0 && settings) m.queueEvents(events, settings.service_level_seconds);
    for (const e of result.effects) if (e.type === 'withdraw') m.queueOffer('withdrawn');
    // a miss (rejected by the ringing recipient, or not answered) is counted by the machine in the
    // day's figures (a new day starts them at 0); the recipient's `reject` event tells the two apart
    const prev = before?.stats;
    const next = result.state?.stats;
    const how = input.type === 'member_status' && input.event === 'reject' ? 'rejected' : 'missed';
    if (prev && next && prev.day_start === next.day_start) for (let i = prev.missed_sessions; i < next.missed_sessions; i++) m.queueOffer(how);
  }

  /** The outward effects; their outcomes are fed back as inputs. Failures leave it to the deadlines. */
  private carryOut(e: QueueEffect, fence: Fence): Promise<void> {
    if (e.type !== 'offer' || !e.pinned) return this.carryOutEffect(e, fence);
    let seen: OfferReplySeen = null;
    const done = this.carryOutEffect(e, fence, (r) => (seen = r));
    this.pinnedReplies.set(e.offer_id, done.then(() => seen));
    while (this.pinnedReplies.size > PINNED_REPLIES_KEPT) this.pinnedReplies.delete(this.pinnedReplies.keys().next().value!);
    return done;
  }

  private async carryOutEffect(e: QueueEffect, fence: Fence, onOfferReply?: (r: NonNullable<OfferReplySeen>) => void): Promise<void> {
    const { env, key } = this;
    try {
      switch (e.type) {
        case 'offer': {
          const reply = await env.recipients.offer(e, { shard: key.shard, epoch: e.epoch }, key.accountId);
          env.metrics?.queueOffer(reply.accepted ? 'accepted' : 'refused');
          await this.send({
            type: 'offer_reply',
            offer_id: e.offer_id,
            session_id: e.call.session_id,
            recipient_id: e.recipient_id,
            accepted: reply.accepted,
            ...(reply.accepted ? {} : { reason: (reply.reason ?? 'not_ready') as never }),
          });
          onOfferReply?.(reply.accepted ? { accepted: true } : { accepted: false, reason: reply.reason ?? 'not_ready' });
          return;
        }
        case 'withdraw': {
          const withdrawn = await env.recipients.withdraw(key.accountId, e.recipient_id, e.session_id, e.reason);
          // a caller who hung up while ringing leaves with this outcome (rules/hangup.ts)
          if (e.reason === 'caller_hangup') await this.send({ type: 'withdraw_reply', session_id: e.session_id, offer_id: e.offer_id, withdrawn });
          return;
        }
        case 'set_away':
          await env.recipients.setAway(key.accountId, e.recipient_id);
          return;
        case 'verify_offer': {
          const s = await env.recipients.statusOf(key.accountId, e.recipient_id);
          await this.send({ type: 'member_status', recipient_id: e.recipient_id, seq: s.seq, status: s.status, verify: e.offer_id });
          return;
        }
        case 'session_delivered':
          await env.sessions.delivered(key.accountId, e, key.queueId);
          return;
        case 'end_session':
          await env.sessions.ended(key.accountId, e, key.queueId);
          return;
        case 'redirect_session':
          await env.sessions.redirected(key.accountId, e, key.queueId);
          return;
        default:
          return;
      }
    } catch (err) {
      if (!this.stopped) env.logger.warn({ err, queue_id: key.queueId, effect: e.type, epoch: fence.epoch }, 'queue effect failed (its deadline decides)');
    }
  }

  private arm(timerKey: string, at: number, input: QueueTimerInput): void {
    this.disarm(timerKey);
    const handle = this.env.clock.setTimer(at, () => {
      if (this.timers.get(timerKey) === handle) this.timers.delete(timerKey);
      void this.fire(timerKey, input);
    });
    this.timers.set(timerKey, handle);
  }

  private disarm(timerKey: string): void {
    const h = this.timers.get(timerKey);
    if (!h) return;
    this.env.clock.clearTimer(h);
    this.timers.delete(timerKey);
  }

  private async fire(timerKey: string, input: QueueTimerInput): Promise<void> {
    const reply = await this.send(input);
    if (!reply.ok && reply.error.code === 'unavailable' && !this.stopped && !this.timers.has(timerKey)) {
      this.arm(timerKey, this.env.clock.now() + QUEUE_TIMER_RETRY_MS, input);
    }
  }
}
