/**
 * One actor per recipient of an owned shard: a mailbox around the pure machine. For each
 * input, in order: run the transition, PERSIST (fenced) the new state together with its events
 * (the store's outbox) before anything is visible, then hand the events to the node's outbox
 * relay (outbox-relay.ts: published in order, retried through broker faults), then (re)arm or
 * cancel timers, then reply. A failed write leaves the in-memory state as it was, records no
 * event and answers an error; a fenced write means the shard was lost, so the actor stops for good.
 */
import { auditEntriesOf, errorReply, statusOf, upgradeRecipientState, type AuditEntry, type QubicleError, type RecipientEvent, type RecipientSnapshot, type RecipientState, type RpcReply, type SessionRecord } from '@qubicle/contracts';
import type { Logger } from '@qubicle/transport';
import type { Clock, TimerHandle } from '../clock.js';
import { timerKindOf, timersOf, transition, type Effect, type MachineAccount, type MachineInput, type TimerInput, type TimerKind, type TransitionResult } from '../machine/index.js';
import type { WorkerMetricsSink } from '../metrics.js';
import { RECENT_COMMANDS_KEPT, RECENT_COMMANDS_TTL_MS } from '../machine/types.js';
import { isStoreError, type Fence, type Store } from '../store/port.js';
import { DEFAULT_ACCOUNT_SETTINGS, type AccountSettingsSource } from './account-settings.js';
import { Mailbox } from './mailbox.js';
import type { EventRelay } from './outbox-relay.js';
import { loginRefusal, notARecipient } from './recipient-check.js';

export interface ActorEnv {
  store: Store;
  /**
   * The node's outbox relay (outbox-relay.ts): publishes each change's events, recorded in the
   * store with the state, on the topic exchange and the gateways' feed, in order, through faults.
   */
  relay: EventRelay;
  /** How many command ids a recipient remembers, and for how long after its logout (config). */
  recentCommands?: RecentCommandsPolicy;
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
}

/** The bound of the redelivery memory (config RECENT_COMMANDS_KEPT, RECENT_COMMANDS_TTL_MS). */
export interface RecentCommandsPolicy {
  /** ids kept per recipient (logged in, and in its tombstone) */
  kept: number;
  /** how long the ids are remembered after a logout (0: not at all) */
  ttlMs: number;
}

export const DEFAULT_RECENT_COMMANDS: RecentCommandsPolicy = { kept: RECENT_COMMANDS_KEPT, ttlMs: RECENT_COMMANDS_TTL_MS };

/**
 * Persists one recipient's state and its change's events under a fence; resolves once both are
 * durable, rejects as saveRecipients would (then neither was written).
 */
export interface RecipientWriter {
  save(state: RecipientState, shard: number, fence: Fence, events?: RecipientEvent[], audit?: AuditEntry[]): Promise<void>;
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
  /**
   * While logged out: the ids the last session applied (its tombstone's, or this actor's own
   * logout's); undefined = not read yet. A logged-out actor is short-lived (the registry forgets it).
   */
  private remembered: readonly string[] | null | undefined = undefined;
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
    const now = this.env.clock.now();
    // a state written before the away-reason / time-in-state fields existed gets their starting values
    this.current = this.shareIds(upgradeRecipientState(state, now));
    this.loaded = true;
    for (const { kind, input } of timersOf(state)) {
      if (input.deadline <= now) void this.fire(input);
      else this.arm(kind, input);
    }
  }

  /**
   * `admitted`: the fence the ownership gate admitted this command under (shard-handler.ts); its
   * write goes to the store under it, the store's fence being the last check. Without one (timers,
   * internal inputs) the gate is asked at write time.
   */
  send(input: MachineInput, admitted?: Fence): Promise<RpcReply<unknown>> {
    return this.mailbox.post(async () => {
      try {
        return await this.process(input, admitted);
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

  private async process(input: MachineInput, admitted: Fence | undefined): Promise<RpcReply<unknown>> {
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
      if (this.current === null && this.remembered === undefined && 'command_id' in input && input.type !== 'get_status') {
        // a replay of a command applied before the logout must not be applied again (machine/transition.ts)
        this.remembered = (await env.store.loadLoggedOut(key.accountId, key.recipientId, env.clock.now()))?.recent_commands ?? null;
        if (this.stopped) return gone();
      }
      const refusal = await this.precheck(input);
      if (refusal) return errorReply(refusal, env.node);
      account = input.type === 'get_status' ? DEFAULT_ACCOUNT_SETTINGS : await env.accounts.get(key.accountId);
      if (input.type === 'set_status' && input.reason !== undefined && account.away_reasons?.has(input.reason) !== true) {
        // a reason an admin created a moment ago (the cached catalogue is up to 5 s old): read it again once before refusing
        env.accounts.invalidate(key.accountId);
        account = await env.accounts.get(key.accountId);
      }
    } catch (err) {
      env.logger.error({ err, account_id: key.accountId, recipient_id: key.recipientId, input: input.type }, 'store read failed');
      return this.unavailable(`datastore unavailable: ${errorMessage(err)}`);
    }
    if (this.stopped) return gone();

    let result: TransitionResult;
    const policy = env.recentCommands ?? DEFAULT_RECENT_COMMANDS;
    try {
      result = transition(this.current, input, {
        now: env.clock.now(),
        node: env.node,
        account,
        newSessionId: env.newSessionId,
        recentCommandsKept: policy.kept,
        ...(this.current === null && this.remembered ? { rememberedCommands: this.remembered } : {}),
      });
    } catch (err) {
      env.logger.error({ err, account_id: key.accountId, recipient_id: key.recipientId, input: input.type }, 'state machine threw');
      return errorReply({ code: 'internal', message: `state machine failed on ${input.type}` }, env.node);
    }

    const events = eventsOf(result.effects);
    const failure = await this.persist(result, events, policy, admitted);
    if (failure) return failure;
    const before = this.current;
    this.current = before === null && result.state ? this.shareIds(result.state) : result.state;
    if (this.current) this.remembered = undefined; // a login inherited them (the state has them now)
    env.metrics?.recipientChanged(before, result.state, env.clock.now());
    if (events.length > 0) await env.relay.add(key.shard, events);
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

  /**
   * Writes the state and its events (the outbox) before anything is visible, in one atomic store
   * write; returns the error reply when it failed (then nothing was written).
   */
  private async persist(result: TransitionResult, events: RecipientEvent[], policy: RecentCommandsPolicy, admitted: Fence | undefined): Promise<RpcReply<never> | null> {
    const persist = result.effects.find((e) => e.type === 'persist');
    if (!persist) return null;
    const { env, key } = this;
    const fence = admitted?.shard === key.shard ? admitted : env.fenceOf(key.shard);
    if (!fence) return this.unavailable(`shard ${key.shard} is no longer served by ${env.node}; retry`);
    // the change's audit trail, in the same atomic write as the state and the events (ports/audit.ts)
    const audit = auditEntriesOf(events, this.current?.availability_state ?? 'Not-Logged-In');
    try {
      if (result.state) {
        if (env.writes) await env.writes.save(result.state, key.shard, fence, events, audit);
        else await env.store.saveRecipients([{ state: result.state, shard: key.shard, events, audit }], fence);
      } else {
        const now = env.clock.now();
        const recent = persist.recent_commands ?? [];
        const session = result.effects.find((e): e is Extract<Effect, { type: 'end_session' }> => e.type === 'end_session')?.record;
        await env.store.logoutRecipient(
          { account_id: key.accountId, recipient_id: key.recipientId, shard: key.shard, events, audit, ...sessionField(session), recent_commands: recent, forget_at: now + policy.ttlMs, now },
          fence,
        );
        this.remembered = policy.ttlMs > 0 ? recent : null;
      }
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
      const kind: TimerKind = timerKindOf(input);
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

/** The change's events, in order (the machine emits them with consecutive seqs). */
function eventsOf(effects: Effect[]): RecipientEvent[] {
  const events: RecipientEvent[] = [];
  for (const e of effects) if (e.type === 'publish') events.push(e.event);
  return events;
}

function sessionField(session: SessionRecord | undefined): { session?: SessionRecord } {
  return session ? { session } : {};
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
