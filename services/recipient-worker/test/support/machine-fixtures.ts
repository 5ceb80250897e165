/** Builders for machine tests: ids, an injected context, commands, and result helpers. */
import assert from 'node:assert/strict';
import {
  validateRecipientEvent,
  type CallInfo,
  type RecipientCommand,
  type RecipientEvent,
  type RecipientEventName,
  type RecipientState,
} from '@qubicle/contracts';
import { transition, type Effect, type MachineContext, type MachineInput, type MonitorContext, type TransitionResult } from '../../src/machine/index.js';
import { ACCOUNT, NODE, QUEUE, RECIPIENT, T0 } from './ids.js';
import { TestTime } from './test-time.js';

export { ACCOUNT, NODE, OTHER, QUEUE, QUEUE2, RECIPIENT, T0 } from './ids.js';

let commandCounter = 0;
export const nextCommandId = (): string => `cmd-${String(++commandCounter).padStart(8, '0')}`;

export function makeCtx(over: Partial<Omit<MachineContext, 'account'>> & { account?: Partial<MachineContext['account']> } = {}): MachineContext {
  let sessions = 0;
  return {
    now: over.now ?? T0,
    node: over.node ?? NODE,
    account: { missed_call_threshold: 0, pro: true, ...over.account },
    newSessionId: over.newSessionId ?? (() => `session-${++sessions}`),
    ...(over.recentCommandsKept !== undefined ? { recentCommandsKept: over.recentCommandsKept } : {}),
    ...(over.rememberedCommands !== undefined ? { rememberedCommands: over.rememberedCommands } : {}),
  };
}

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
type CommandBody = Without<RecipientCommand, 'command_id' | 'account_id' | 'recipient_id' | 'shard_count'>;

/** A command for RECIPIENT with a fresh command_id unless given. */
export function cmd<C extends CommandBody>(body: C, over: { command_id?: string; recipient_id?: string } = {}): C & RecipientCommand {
  return {
    command_id: over.command_id ?? nextCommandId(),
    account_id: ACCOUNT,
    recipient_id: over.recipient_id ?? RECIPIENT,
    shard_count: 64,
    ...body,
  } as C & RecipientCommand;
}

export function call(sessionId = 'call-1', queueId = QUEUE): CallInfo {
  return { queue_id: queueId, session_id: sessionId, caller_id_name: 'Alice', caller_id_number: '+15551234', queue_enter_time: T0 / 1000 - 30 };
}

export const offerCmd = (sessionId = 'call-1', opts: { queueId?: string; timeout?: number; wrapup?: number } = {}) =>
  cmd({ type: 'offer', call: call(sessionId, opts.queueId ?? QUEUE), offer_timeout_seconds: opts.timeout ?? 20, wrapup_seconds: opts.wrapup ?? 30 });

export const monitorInput = (target: string, context: Partial<MonitorContext> = {}, mode: 'eavesdrop' | 'whisper' | 'barge' = 'eavesdrop') =>
  ({
    ...cmd({ type: 'monitor', target_id: target, mode }),
    context: { actor_can_monitor: true, target_in_account: true, target_logged_in: true, ...context },
  }) as MachineInput;

/**
 * Runs inputs in order at a time each (ms offsets from T0 or absolute), asserting that each
 * succeeded, and returns the final state plus the last result.
 */
export class Session extends TestTime {
  state: RecipientState | null = null;
  last!: TransitionResult;
  readonly all: TransitionResult[] = [];

  constructor(public ctx: MachineContext = makeCtx()) {
    super();
  }

  /** Applies an input; the result's reply must be ok unless `allowError`. */
  apply(input: MachineInput, allowError = false): TransitionResult {
    const ctx = { ...this.ctx, now: this.now };
    const before = structuredClone(this.state);
    const result = transition(this.state, input, ctx);
    assert.deepEqual(this.state, before, 'transition must not mutate its input state');
    if (!allowError) assert.equal(result.reply.ok, true, `expected ok for ${input.type}, got ${JSON.stringify(result.reply)}`);
    for (const e of events(result)) {
      const v = validateRecipientEvent(e);
      assert.ok(v.ok, `event ${e.event} must match the contract: ${JSON.stringify(v.ok ? null : v.details)}`);
    }
    this.state = result.state;
    this.last = result;
    this.all.push(result);
    return result;
  }

  get s(): RecipientState {
    assert.ok(this.state, 'expected a logged-in state');
    return this.state;
  }

  login(): this {
    this.apply(cmd({ type: 'login' }));
    return this;
  }

  ready(): this {
    this.apply(cmd({ type: 'set_status', status: 'ready' }));
    return this;
  }

  offered(sessionId = 'call-1', opts: Parameters<typeof offerCmd>[1] = {}): this {
    const r = this.apply(offerCmd(sessionId, opts));
    assert.deepEqual(r.reply, { ok: true, data: { accepted: true }, node: this.ctx.node, seq: this.s.seq });
    return this;
  }

  answered(sessionId = 'call-1'): this {
    this.apply(cmd({ type: 'answer', session_id: sessionId }));
    return this;
  }

  hungUp(sessionId = 'call-1'): this {
    this.apply(cmd({ type: 'hangup', session_id: sessionId }));
    return this;
  }
}

export function events(result: TransitionResult): RecipientEvent[] {
  return result.effects.flatMap((e) => (e.type === 'publish' ? [e.event] : []));
}

export function eventNames(result: TransitionResult): RecipientEventName[] {
  return events(result).map((e) => e.event);
}

export function effectsOf<T extends Effect['type']>(result: TransitionResult, type: T): Array<Extract<Effect, { type: T }>> {
  return result.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}

/** A refusal: error reply with `code`, the very same state back, no effects. */
export function assertRefused(before: RecipientState | null, result: TransitionResult, code: string): void {
  assert.equal(result.reply.ok, false, `expected a refusal, got ${JSON.stringify(result.reply)}`);
  if (!result.reply.ok) assert.equal(result.reply.error.code, code, result.reply.error.message);
  assert.equal(result.state, before, 'a refusal hands back the same state object');
  assert.deepEqual(result.effects, []);
}

export const seconds = (ms: number): number => Math.floor(ms / 1000);
