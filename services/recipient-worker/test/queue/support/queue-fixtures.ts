/**
 * Builders for queue-machine tests: ids, an injected context, the members' statuses as the
 * recipient side reports them, and a harness that runs inputs at given times on a DEEP-FROZEN state
 * (a rule that edits the state it was given throws), validating every event against its contract.
 */
import assert from 'node:assert/strict';
import {
  QUEUE_DEFAULTS,
  routingSettingsOf,
  validateQueueEvent,
  validateQueueStatus,
  type CallInfo,
  type QueueEvent,
  type QueueEventName,
  type QueueRoutingSettings,
  type QueueStatus,
  type RecipientEventName,
  type RecipientStatus,
} from '@qubicle/contracts';
import {
  transition,
  type JoinResult,
  type QueueEffect,
  type QueueInput,
  type QueueMachineContext,
  type QueueState,
  type QueueTransitionResult,
} from '../../../src/queue/machine/index.js';
import { ACCOUNT, NODE, QUEUE, T0 } from '../../support/ids.js';
import { TestTime } from '../../support/test-time.js';

export { ACCOUNT, NODE, QUEUE, T0 } from '../../support/ids.js';
/** the queue a full or closed QUEUE sends its callers to */
export { QUEUE2 as OVERFLOW } from '../../support/ids.js';
export const EPOCH = 7;
export const DAY0 = Date.UTC(2024, 0, 1);

/** Recipient ids r1, r2, … as 32-hex ids (sort the same as their numbers up to 9). */
export const R = (n: number): string => `b${String(n).padStart(31, '0')}`;

export function settings(over: Partial<QueueRoutingSettings> = {}): QueueRoutingSettings {
  return { ...routingSettingsOf({ name: 'Q', ...QUEUE_DEFAULTS }), ...over };
}

/** The status a recipient's event or a status read would carry. */
export function recipientStatus(state: RecipientStatus['availability_state'], over: { queue_availability?: Record<string, boolean>; wiretapping?: string; last_action_time?: number; handling_call?: CallInfo; offered_call?: CallInfo } = {}): RecipientStatus {
  if (state === 'Not-Logged-In') return { available: false, availability_state: 'Not-Logged-In' };
  return {
    available: state === 'Ready',
    availability_state: state,
    queue_availability: over.queue_availability ?? {},
    wrapup_time_seconds: 0,
    ...(over.wiretapping ? { wiretapping_recipient: over.wiretapping, wiretap_mode: 'eavesdrop' as const } : {}),
    ...(over.handling_call ? { handling_call: over.handling_call } : {}),
    ...(over.offered_call ? { offered_call: over.offered_call } : {}),
    stats: { total_calls: 0, missed_calls: 0, avg_call_time: 0, login_time: 0, last_action_time: over.last_action_time ?? Math.floor(T0 / 1000), last_handled_time: 0 },
    node: 'recipient-worker@other',
  };
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** A JoinResult with every field optional, for assertions. */
export type FlatJoinResult = { joined: boolean; position?: number; estimated_wait?: number; reason?: string; redirected_to?: string } & Partial<JoinResult>;

/**
 * Runs a queue: state, clock, ids. Every transition runs on a frozen state; every published event
 * is checked against the contract and must continue the queue's seq without a hole.
 */
export class QueueHarness extends TestTime {
  state: QueueState | null = null;
  dayStart = DAY0;
  last!: QueueTransitionResult;
  readonly events: QueueEvent[] = [];
  readonly effects: QueueEffect[] = [];
  private ids = 0;
  private inputs = 0;
  /** the last seq fed for each recipient */
  readonly seqs: Record<string, number> = {};

  constructor(readonly node = NODE) {
    super();
  }

  ctx(): QueueMachineContext {
    return { now: this.now, node: this.node, day_start: this.dayStart, epoch: EPOCH, newId: () => `offer-${++this.ids}` };
  }

  nextInputId(): string {
    return `in-${++this.inputs}`;
  }

  apply(input: QueueInput): QueueTransitionResult {
    const before = this.state;
    if (before) deepFreeze(before);
    const r = transition(before, input, this.ctx());
    this.last = r;
    this.state = r.state;
    this.effects.push(...r.effects);
    for (const e of r.effects) {
      if (e.type !== 'publish') continue;
      const v = validateQueueEvent(e.event);
      assert.ok(v.ok, `event ${e.event.event} fails its contract: ${JSON.stringify(!v.ok && v.details)}`);
      const prev = this.events.at(-1);
      if (prev) assert.equal(e.event.seq, prev.seq + 1, 'queue seq has no holes');
      this.events.push(e.event);
    }
    if (r.state === before) assert.deepEqual(r.effects.filter((e) => e.type === 'persist' || e.type === 'publish'), [], 'an unchanged state is neither written nor published');
    return r;
  }

  start(members: string[] = [], over: Partial<QueueRoutingSettings> = {}): this {
    this.apply({ type: 'start', input_id: this.nextInputId(), account_id: ACCOUNT, queue_id: QUEUE, settings: settings(over), members });
    return this;
  }

  /** A member's status (a status event unless `event` says which), with the next seq for them. */
  status(recipientId: string, status: RecipientStatus, event?: RecipientEventName, call?: CallInfo): QueueTransitionResult {
    const seq = (this.seqs[recipientId] ?? 1000) + 1;
    this.seqs[recipientId] = seq;
    return this.apply({ type: 'member_status', recipient_id: recipientId, seq, status, ...(event ? { event } : {}), ...(call ? { call } : {}) });
  }

  ready(recipientId: string, over: Parameters<typeof recipientStatus>[1] = {}): this {
    this.status(recipientId, recipientStatus('Ready', { last_action_time: Math.floor(this.now / 1000), ...over }), 'ready');
    return this;
  }

  away(recipientId: string): this {
    this.status(recipientId, recipientStatus('Away'), 'away');
    return this;
  }

  /** Joins a caller; the reply's data (flattened for assertions). */
  join(sessionId: string, priority = 0, over: Partial<Extract<QueueInput, { type: 'join' }>> = {}): FlatJoinResult {
    const r = this.apply({ type: 'join', input_id: this.nextInputId(), session_id: sessionId, call_id: `call-of-${sessionId}`, caller_id_name: 'Caller', caller_id_number: '+1555', priority, ...over });
    assert.equal(r.reply.ok, true);
    return (r.reply as { data: FlatJoinResult }).data;
  }

  /** A supervisor assigns the caller to the recipient; the reply's data. */
  assign(sessionId: string, recipientId: string, by?: string): { assigned: boolean; reason?: string; recipient_id?: string; offer_id?: string } {
    const r = this.apply({ type: 'assign', input_id: this.nextInputId(), session_id: sessionId, recipient_id: recipientId, ...(by ? { by } : {}) });
    assert.equal(r.reply.ok, true);
    return (r.reply as { data: { assigned: boolean; reason?: string } }).data;
  }

  hangup(sessionId: string): QueueTransitionResult {
    return this.apply({ type: 'caller_hangup', input_id: this.nextInputId(), session_id: sessionId });
  }

  /** The call a recipient's events would name for a session of this queue. */
  call(sessionId: string): CallInfo {
    const s = this.state?.sessions.find((x) => x.session_id === sessionId);
    return { queue_id: QUEUE, session_id: sessionId, caller_id_name: 'Caller', caller_id_number: '+1555', queue_enter_time: Math.floor((s?.entered_at ?? T0) / 1000) };
  }

  /** The recipient rings (its `offer` event). */
  ringing(recipientId: string, sessionId: string): this {
    this.status(recipientId, recipientStatus('Call-Offer', { offered_call: this.call(sessionId) }), 'offer', this.call(sessionId));
    return this;
  }

  /** The recipient answered (its `delivered` event). */
  answered(recipientId: string, sessionId: string): QueueTransitionResult {
    const call = this.call(sessionId);
    return this.status(recipientId, recipientStatus('On-A-Call', { handling_call: call }), 'delivered', call);
  }

  /** The recipient rejected (its `reject` event; its status after it: Ready). */
  rejected(recipientId: string, sessionId: string): QueueTransitionResult {
    return this.status(recipientId, recipientStatus('Ready', { last_action_time: Math.floor(this.now / 1000) }), 'reject', this.call(sessionId));
  }

  /** The recipient's offer timer fired (its `miss` event; Ready after). */
  missed(recipientId: string, sessionId: string): QueueTransitionResult {
    return this.status(recipientId, recipientStatus('Ready', { last_action_time: Math.floor(this.now / 1000) }), 'miss', this.call(sessionId));
  }

  /** The recipient's offer was withdrawn (its `withdraw` event, e.g. the queue's caller_hangup; Ready after). */
  withdrawn(recipientId: string, sessionId: string): QueueTransitionResult {
    return this.status(recipientId, recipientStatus('Ready', { last_action_time: Math.floor(this.now / 1000) }), 'withdraw', this.call(sessionId));
  }

  /** The reply of the withdraw command sent for the session's current offer (a caller who hung up while ringing). */
  withdrawReply(sessionId: string, withdrawn: boolean): QueueTransitionResult {
    const offer = this.offerOf(sessionId);
    assert.ok(offer, `${sessionId} has no offer`);
    return this.apply({ type: 'withdraw_reply', session_id: sessionId, offer_id: offer.offer_id, withdrawn });
  }

  refused(recipientId: string, sessionId: string, reason: 'busy' | 'not_ready' | 'not_logged_in' | 'not_available_for_queue' | 'wiretapping' = 'not_ready'): QueueTransitionResult {
    const offer = this.offerOf(sessionId);
    assert.ok(offer && offer.recipient_id === recipientId, `${sessionId} is not offered to ${recipientId}`);
    return this.apply({ type: 'offer_reply', offer_id: offer.offer_id, session_id: sessionId, recipient_id: recipientId, accepted: false, reason });
  }

  /** Fires the offer deadline of the session's current offer (at its time). */
  offerDeadline(sessionId: string): QueueTransitionResult {
    const offer = this.offerOf(sessionId);
    assert.ok(offer, `${sessionId} has no offer`);
    this.now = Math.max(this.now, offer.deadline);
    return this.apply({ type: 'offer_deadline', session_id: sessionId, offer_id: offer.offer_id, deadline: offer.deadline });
  }

  /** The status read a verify_offer asked for (same seq as the last one seen unless given). */
  verifyRead(recipientId: string, sessionId: string, status: RecipientStatus, seq = this.seqs[recipientId] ?? 0): QueueTransitionResult {
    const offer = this.offerOf(sessionId);
    assert.ok(offer, `${sessionId} has no offer`);
    return this.apply({ type: 'member_status', recipient_id: recipientId, seq, status, verify: offer.offer_id });
  }

  offerOf(sessionId: string) {
    return this.state?.sessions.find((x) => x.session_id === sessionId)?.offer ?? null;
  }

  /** Who `sessionId` is offered to now (null: waiting or gone). */
  offeredTo(sessionId: string): string | null {
    return this.offerOf(sessionId)?.recipient_id ?? null;
  }

  get s(): QueueState {
    assert.ok(this.state, 'queue is running');
    return this.state;
  }

  status_(): QueueStatus {
    const r = this.apply({ type: 'get_status' });
    assert.equal(r.reply.ok, true);
    const data = (r.reply as { data: QueueStatus }).data;
    const v = validateQueueStatus(data);
    assert.ok(v.ok, JSON.stringify(!v.ok && v.details));
    return data;
  }

  /** What the queue knows of a member (undefined: not in the roster). */
  member(recipientId: string) {
    return this.s.members.find((m) => m.recipient_id === recipientId);
  }

  memberIds(): string[] {
    return this.s.members.map((m) => m.recipient_id);
  }

  /** Session ids in queue order. */
  order(): string[] {
    return this.s.sessions.map((x) => x.session_id);
  }
}

export const effectsOf = <T extends QueueEffect['type']>(r: QueueTransitionResult, type: T): Array<Extract<QueueEffect, { type: T }>> =>
  r.effects.filter((e): e is Extract<QueueEffect, { type: T }> => e.type === type);

export const eventsOf = (r: QueueTransitionResult): QueueEvent[] => effectsOf(r, 'publish').map((e) => e.event);
export const eventNames = (r: QueueTransitionResult): QueueEventName[] => eventsOf(r).map((e) => e.event);
/** The offers of a result as [session, recipient] pairs. */
export const offersIn = (r: QueueTransitionResult): Array<[string, string]> => effectsOf(r, 'offer').map((o) => [o.call.session_id, o.recipient_id]);
