/**
 * One actor per recipient of an owned shard: a mailbox around the pure machine. For each
 * input, in order: run the transition, PERSIST (fenced) before anything is visible, then
 * publish the events, then (re)arm or cancel timers, then reply. A failed write leaves
 * the in-memory state as it was and answers an error; a fenced write means the shard was
 * lost, so the actor stops for good.
 */
import { errorReply, statusOf, type QubicleError, type RecipientSnapshot, type RecipientState, type RpcReply } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import type { Clock, TimerHandle } from '../clock.js';
import { timersOf, transition, type Effect, type MachineAccount, type MachineInput, type TimerInput, type TimerKind, type TransitionResult } from '../machine/index.js';
import type { WorkerMetricsSink } from '../metrics.js';
import { isStoreError, type Fence, type Store } from '../store/port.js';
import { DEFAULT_ACCOUNT_SETTINGS, type AccountSettingsSource } from './account-settings.js';
import { Mailbox } from './mailbox.js';
import { loginRefusal, notARecipient } from './recipient-check.js';
import type { EventFeedSink } from './event-feed.js';
import { publishEvent } from './publish.js';

export interface ActorEnv {
  store: Store;
  bus: Pick<Bus, 'publish'>;
  clock: Clock;
  logger: Logger;
  node: string;
  accounts: AccountSettingsSource;
  newSessionId(): string;
  /** The shard's current fence, or null when this node does not own it (any more). */
  fenceOf(shard: number): Fence | null;
  /** A write was fenced: the shard belongs to someone else now. Must not wait for this actor. */
  onFenced(shard: number, err: Error): void;
  /** Wiretap effects, for the media layer. */
  onWiretap?(actor: RecipientKey, effect: Extract<Effect, { type: 'wiretap' }>): void;
  /** Transitions, calls and time in state (metrics.ts); absent = not measured. */
  metrics?: Pick<WorkerMetricsSink, 'recipientChanged'>;
  /**
   * Where state upserts go: the worker's write-behind batcher (write-batcher.ts: many actors'
   * writes in one store transaction per tick, each actor's promise settled after it committed).
   * Absent: one `store.saveRecipients` per write.
   */
  writes?: RecipientWriter;
  /**
   * The gateways' feed (event-feed.ts): every published event also goes there, batched per turn.
   * Absent: events go to the topic exchange only.
   */
  feed?: EventFeedSink;
}

/** Persists one recipient's state under a fence; resolves once it is durable, rejects as saveRecipients would. */
export interface RecipientWriter {
  save(state: RecipientState, shard: number, fence: Fence): Promise<void>;
}

export interface RecipientKey {
  accountId: string;
  recipientId: string;
  shard: number;
}

/** A timer input that could not be applied (store down) is tried again this much later. */
export const TIMER_RETRY_MS = 1_000;

export class RecipientActor {
  private readonly mailbox = new Mailbox();
  /** Armed timers; created on first use (most recipients have none: memory, docs/performance.md). */
  private armed: Map<TimerKind, TimerHandle> | null = null;
  private current: RecipientState | null = null;
  /** false until the store was asked (or the state handed in by the shard loader). */
  private loaded = false;
  private stopped = false;

  constructor(
    private readonly env: ActorEnv,
    readonly key: RecipientKey,
    /** Called after each input with nothing left in the mailbox (the registry forgets logged-out actors). */
    private readonly onSettled: (actor: RecipientActor) => void = () => {},
  ) {}

  get state(): RecipientState | null {
    return this.current;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Inputs waiting or running. */
  get backlog(): number {
    return this.mailbox.size;
  }

  /**
   * Takes a state loaded by the shard loader and re-arms its timers: a deadline already
   * passed (nobody owned the shard then) is applied at once by feeding its timer input.
   */
  adopt(state: RecipientState): void {
    this.current = this.shareIds(state);
    this.loaded = true;
    const now = this.env.clock.now();
    for (const { kind, input } of timersOf(state)) {
      if (input.deadline <= now) void this.fire(input);
      else this.arm(kind, input);
    }
  }

  send(input: MachineInput): Promise<RpcReply<unknown>> {
    return this.mailbox.post(async () => {
      try {
        return await this.process(input);
      } finally {
        if (this.mailbox.size <= 1) this.onSettled(this);
      }
    });
  }

  /** Resolves when every input sent so far was handled. */
  idle(): Promise<void> {
    return this.mailbox.idle();
  }

  /**
   * The status and the seq of the last published event, read in the mailbox after every input
   * posted before it, with nothing in between: the pair is consistent (get_snapshot, the gateway's
   * live view). null = not logged in; 'stopped' = this node lost the shard.
   */
  snapshot(): Promise<RecipientSnapshot | null | 'stopped'> {
    return this.mailbox.post(async () => {
      if (this.stopped) return 'stopped';
      if (!this.loaded) {
        const stored = await this.env.store.loadRecipient(this.key.accountId, this.key.recipientId);
        if (this.stopped) return 'stopped';
        if (stored) this.adopt(stored.state);
        else this.loaded = true;
      }
      const s = this.current;
      return s ? { seq: s.seq, status: statusOf(s, this.env.clock.now(), this.env.node) } : null;
    });
  }

  /** Forget everything without writing: the shard is gone (lost, or handed over on shutdown). */
  stop(): void {
    this.stopped = true;
    for (const handle of this.armed?.values() ?? []) this.env.clock.clearTimer(handle);
    this.armed = null;
  }

  /** The armed timers (an empty map is created only when one is armed). */
  private get timers(): Map<TimerKind, TimerHandle> {
    return (this.armed ??= new Map());
  }

  /**
   * The ids of a state loaded or created here point at this actor's key strings (the registry
   * shares one account id string between all its actors) instead of copies parsed from a message
   * or a row; later states share them (the machine's clone copies strings by reference).
   */
  private shareIds(state: RecipientState): RecipientState {
    if (state.account_id === this.key.accountId) state.account_id = this.key.accountId;
    if (state.recipient_id === this.key.recipientId) state.recipient_id = this.key.recipientId;
    return state;
  }

  private async process(input: MachineInput): Promise<RpcReply<unknown>> {
    const { env, key } = this;
    const gone = () => this.unavailable(`shard ${key.shard} is no longer served by ${env.node}; retry`);
    if (this.stopped) return gone();

    let account: MachineAccount;
    try {
      if (!this.loaded) {
        const stored = await env.store.loadRecipient(key.accountId, key.recipientId);
        if (this.stopped) return gone();
        if (stored) this.adopt(stored.state);
        else this.loaded = true;
      }
      const refusal = await this.precheck(input);
      if (refusal) return errorReply(refusal, env.node);
      account = input.type === 'get_status' ? DEFAULT_ACCOUNT_SETTINGS : await env.accounts.get(key.accountId);
    } catch (err) {
      env.logger.error({ err, account_id: key.accountId, recipient_id: key.recipientId, input: input.type }, 'store read failed');
      return this.unavailable(`datastore unavailable: ${errorMessage(err)}`);
    }
    if (this.stopped) return gone();

    let result: TransitionResult;
    try {
      result = transition(this.current, input, { now: env.clock.now(), node: env.node, account, newSessionId: env.newSessionId });
    } catch (err) {
      env.logger.error({ err, account_id: key.accountId, recipient_id: key.recipientId, input: input.type }, 'state machine threw');
      return errorReply({ code: 'internal', message: `state machine failed on ${input.type}` }, env.node);
    }

    const failure = await this.persist(result);
    if (failure) return failure;
    const before = this.current;
    this.current = before === null && result.state ? this.shareIds(result.state) : result.state;
    env.metrics?.recipientChanged(before, result.state, env.clock.now());
    await this.publish(result.effects);
    this.applyTimersAndHooks(result.effects);
    return result.reply;
  }

  /** Checks the machine cannot make itself: the users document decides who may log in. */
  private async precheck(input: MachineInput): Promise<QubicleError | null> {
    if (this.current !== null) return null;
    if (input.type === 'login') {
      return loginRefusal(await this.env.store.getUser(this.key.accountId, this.key.recipientId), this.key.accountId, this.key.recipientId);
    }
    if (input.type === 'get_status') {
      return notARecipient(await this.env.store.getUser(this.key.accountId, this.key.recipientId), this.key.accountId, this.key.recipientId);
    }
    return null;
  }

  /** Writes before anything is visible; returns the error reply when the write failed. */
  private async persist(result: TransitionResult): Promise<RpcReply<never> | null> {
    if (!result.effects.some((e) => e.type === 'persist')) return null;
    const { env, key } = this;
    const fence = env.fenceOf(key.shard);
    if (!fence) return this.unavailable(`shard ${key.shard} is no longer served by ${env.node}; retry`);
    try {
      for (const e of result.effects) {
        // Before the delete: appending the same session twice replaces it, so a retried logout is harmless.
        if (e.type === 'end_session') await env.store.appendSession(e.record);
      }
      if (result.state) {
        if (env.writes) await env.writes.save(result.state, key.shard, fence);
        else await env.store.saveRecipients([{ state: result.state, shard: key.shard }], fence);
      }
      else await env.store.deleteRecipient(key.accountId, key.recipientId, key.shard, fence);
      return null;
    } catch (err) {
      if (isStoreError(err, 'fenced')) {
        env.logger.warn({ shard: key.shard, epoch: fence.epoch, recipient_id: key.recipientId }, 'write fenced: shard lost, actor stops');
        this.stop();
        env.onFenced(key.shard, err);
        return this.unavailable(`shard ${key.shard} moved away from ${env.node}; retry`);
      }
      env.logger.error({ err, shard: key.shard, recipient_id: key.recipientId }, 'recipient state write failed; nothing applied');
      return this.unavailable(`datastore unavailable: ${errorMessage(err)}`);
    }
  }

  /**
   * In order, after the write, on the topic exchange and (in parallel) on the gateways' feed: a
   * failed publish is logged, never undoes a durable change.
   */
  private async publish(effects: Effect[]): Promise<void> {
    for (const e of effects) {
      if (e.type !== 'publish') continue;
      const [topic, feed] = await Promise.allSettled([publishEvent(this.env.bus, e.event), this.env.feed?.add(e.event)]);
      if (topic.status === 'rejected') this.publishFailed(topic.reason, e.event, 'event publish failed');
      if (feed.status === 'rejected') this.publishFailed(feed.reason, e.event, 'event feed publish failed');
    }
  }

  private publishFailed(err: unknown, event: { event: string; seq: number; recipient_id: string }, message: string): void {
    this.env.logger.warn({ err, event: event.event, seq: event.seq, recipient_id: event.recipient_id }, message);
  }

  private applyTimersAndHooks(effects: Effect[]): void {
    for (const e of effects) {
      if (e.type === 'arm_timer') this.arm(e.kind, e.input);
      else if (e.type === 'cancel_timer') this.disarm(e.kind);
      else if (e.type === 'wiretap') this.env.onWiretap?.(this.key, e);
    }
    if (this.current === null) {
      // Logged out: nothing may fire for the old session.
      this.disarm('offer');
      this.disarm('wrapup');
    }
  }

  private arm(kind: TimerKind, input: TimerInput): void {
    this.disarm(kind);
    const handle = this.env.clock.setTimer(input.deadline, () => {
      if (this.armed?.get(kind) === handle) this.disarmFired(kind);
      void this.fire(input);
    });
    this.timers.set(kind, handle);
  }

  /** Forgets a timer that fired (nothing to clear). */
  private disarmFired(kind: TimerKind): void {
    this.armed?.delete(kind);
    if (this.armed?.size === 0) this.armed = null;
  }

  private disarm(kind: TimerKind): void {
    const handle = this.armed?.get(kind);
    if (!handle) return;
    this.env.clock.clearTimer(handle);
    this.armed!.delete(kind);
    if (this.armed!.size === 0) this.armed = null;
  }

  /** A timer input goes through the mailbox like any command; if it could not be applied it is retried. */
  private async fire(input: TimerInput): Promise<void> {
    const reply = await this.send(input);
    if (!reply.ok && reply.error.code === 'unavailable' && !this.stopped) {
      const kind: TimerKind = input.type === 'offer_timeout' ? 'offer' : 'wrapup';
      if (!this.armed?.has(kind)) {
        const handle = this.env.clock.setTimer(this.env.clock.now() + TIMER_RETRY_MS, () => {
          if (this.armed?.get(kind) === handle) this.disarmFired(kind);
          void this.fire(input);
        });
        this.timers.set(kind, handle);
      }
    }
  }

  private unavailable(message: string): RpcReply<never> {
    return errorReply({ code: 'unavailable', message }, this.env.node);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
