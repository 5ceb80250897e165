/**
 * The caller side: KAZOO's `qubicle_session` messages (create_session, join_queue, delete_session)
 * on QUEUE_SESSIONS_QUEUE, served by every worker, and what the queues report of their sessions
 * (delivered, ended, redirected). The session's state (the pure session machine, ../session) is
 * kept in the store per call, so a caller's session survives any worker; the queue-side part of a
 * join or a hangup goes to the queue's own shard as `queue_join` / `queue_hangup` (bus RPC, also
 * when that shard is held here: one path).
 *
 * Idempotence: a message's `Msg-ID` (else the call id and the message kind) is its input id: the
 * session machine answers a redelivered create or delete again without applying it twice, and a
 * redelivered join carries the same command id to the queue, which answers its first reply again.
 */
import {
  callerOf,
  DEFAULT_CALLER_PRIORITY,
  sessionEventKey,
  EVENTS_EXCHANGE,
  validateCreateSessionMessage,
  validateDeleteSessionMessage,
  validateJoinQueueMessage,
  type CreateSessionReply,
  type DeleteSessionReply,
  type JoinQueueReply,
  type QueueJoinReply,
  type SessionEvent,
} from '@qubicle/contracts';
import type { ShardClient } from '@qubicle/client';
import type { Bus, IncomingMessage, Logger, RpcHandler } from '@qubicle/transport';
import type { Clock } from '../../clock.js';
import type { QueueRuntimeStore } from '../../store/ports/queues-runtime.js';
import type { QueueEffect } from '../machine/index.js';
import { sessionTransition } from '../session/index.js';
import type { CallerSessionState, SessionInput, SessionTransitionResult } from '../session/types.js';
import type { QueueSessionPort } from './queue-actor.js';

export interface SessionServiceOptions {
  store: QueueRuntimeStore;
  shards: ShardClient;
  bus: Pick<Bus, 'publish'>;
  clock: Clock;
  logger: Logger;
  node: string;
  newSessionId(): string;
  newId(): string;
}

export class SessionService implements QueueSessionPort {
  constructor(private readonly o: SessionServiceOptions) {}

  /** The RPC handler of QUEUE_SESSIONS_QUEUE: answers in KAZOO's reply format. */
  handler(): RpcHandler {
    return async (msg: IncomingMessage) => {
      const body = msg.body as Record<string, unknown> | null;
      const kind = kindOf(body);
      try {
        if (kind === 'create_session') return await this.create(body);
        if (kind === 'join_queue') return await this.join(body);
        if (kind === 'delete_session') return await this.delete(body);
      } catch (err) {
        this.o.logger.error({ err, kind }, 'session message failed');
        return { 'Call-ID': String(body?.['Call-ID'] ?? ''), Result: 'failed', Reason: 'unavailable', 'Error-Message': (err as Error).message.slice(0, 1000) };
      }
      return { 'Call-ID': String(body?.['Call-ID'] ?? ''), Result: 'failed', Reason: 'invalid_message', 'Error-Message': 'not a qubicle_session message' };
    };
  }

  async create(body: unknown): Promise<CreateSessionReply> {
    const v = validateCreateSessionMessage(body);
    if (!v.ok) return { 'Call-ID': callIdOf(body), Result: 'failed', Reason: 'invalid_message', 'Error-Message': 'invalid create_session' };
    const m = v.value;
    const accountId = m['Account-ID'];
    const stored = await this.o.store.loadCallSession(accountId, m['Call-ID']);
    const input: SessionInput = { type: 'create_session', input_id: inputId(m, 'create'), account_id: accountId, call_id: m['Call-ID'], session_type: m['Session-Type'], ...callerOf(m.Call) };
    const result = sessionTransition(stored, input, this.ctx());
    let state = result.state;
    if (state && state !== stored) {
      // insert-if-absent: two workers creating at once agree on the first one's session
      const kept = stored === null ? await this.o.store.createCallSession(state) : ((await this.o.store.saveCallSession(state)) ? state : await this.o.store.loadCallSession(accountId, m['Call-ID']));
      if (kept && kept.session_id === state.session_id) await this.publish(result);
      state = kept;
    }
    if (!state) return { 'Call-ID': m['Call-ID'], Result: 'failed', Reason: 'unavailable' };
    return { 'Call-ID': m['Call-ID'], 'Session-ID': state.session_id, Result: 'ok' };
  }

  async join(body: unknown): Promise<JoinQueueReply> {
    const v = validateJoinQueueMessage(body);
    const b = (body ?? {}) as Record<string, unknown>;
    const ids = { 'Call-ID': callIdOf(body), 'Session-ID': String(b['Session-ID'] ?? '').slice(0, 128) || '-', 'Join-Queue-ID': /^[0-9a-f]{32}$/.test(String(b['Join-Queue-ID'])) ? String(b['Join-Queue-ID']) : '0'.repeat(32) };
    if (!v.ok) return { ...ids, Result: 'failed', Reason: 'invalid_message', 'Error-Message': 'invalid join_queue' };
    const m = v.value;
    const accountId = m['Account-ID'];
    const session = await this.o.store.loadCallSession(accountId, m['Call-ID']);
    const check = sessionTransition(session, { type: 'join_queue', input_id: inputId(m, 'join'), session_id: m['Session-ID'], queue_id: m['Join-Queue-ID'] }, this.ctx());
    const c = (check.reply.ok ? check.reply.data : { ok: false, reason: 'unknown_session' }) as { ok: boolean; reason?: string };
    if (!c.ok || !session) return { ...ids, Result: 'failed', Reason: (c.reason ?? 'unknown_session') as never };
    const reply = await this.sendJoin(accountId, m['Join-Queue-ID'], session, m.Priority ?? DEFAULT_CALLER_PRIORITY, inputId(m, `join:${m['Join-Queue-ID']}`), []);
    if (reply.joined) {
      await this.apply(accountId, m['Call-ID'], { type: 'queue_joined', queue_id: m['Join-Queue-ID'] });
      return { ...ids, Result: 'ok', Position: reply.position, 'Estimated-Wait': reply.estimated_wait };
    }
    if (reply.redirected_to) {
      // timed out at the door into its overflow queue: that queue's join (by the redirect) answers the place
      const now = await this.o.store.loadCallSession(accountId, m['Call-ID']);
      return { ...ids, Result: 'ok', Position: 1, 'Estimated-Wait': 0, 'Redirected-To': now?.queue_id ?? reply.redirected_to };
    }
    return { ...ids, Result: 'failed', Reason: reply.reason };
  }

  async delete(body: unknown): Promise<DeleteSessionReply> {
    const v = validateDeleteSessionMessage(body);
    if (!v.ok) return { 'Call-ID': callIdOf(body), Result: 'failed', Reason: 'invalid_message', 'Error-Message': 'invalid delete_session' };
    const m = v.value;
    const accountId = m['Account-ID'];
    const stored = await this.o.store.loadCallSession(accountId, m['Call-ID']);
    if (!stored) return { 'Call-ID': m['Call-ID'], Result: 'failed', Reason: 'unknown_session' };
    const result = await this.apply(accountId, m['Call-ID'], { type: 'delete_session', input_id: inputId(m, 'delete') }, stored);
    for (const e of result.effects) {
      if (e.type !== 'hangup_in_queue') continue;
      // the queue lets the caller go abandoned; a ringing offer is withdrawn there (not a miss)
      await this.o.shards.toQueue(accountId, e.queue_id, (n) => ({ type: 'queue_hangup', command_id: this.o.newId(), account_id: accountId, shard_count: n, queue_id: e.queue_id, session_id: e.session_id }));
    }
    const s = result.state ?? stored;
    return { 'Call-ID': m['Call-ID'], 'Session-ID': s.session_id, Result: 'ok', 'End-Reason': s.end_reason ?? 'abandoned' };
  }

  // ---- what the queues report (QueueSessionPort)

  async delivered(accountId: string, e: Extract<QueueEffect, { type: 'session_delivered' }>, queueId: string): Promise<void> {
    await this.apply(accountId, e.call_id, { type: 'session_delivered', queue_id: queueId, recipient_id: e.recipient_id });
  }

  async ended(accountId: string, e: Extract<QueueEffect, { type: 'end_session' }>, queueId: string): Promise<void> {
    await this.apply(accountId, e.call_id, { type: 'session_ended', queue_id: queueId, reason: e.reason });
  }

  async redirected(accountId: string, e: Extract<QueueEffect, { type: 'redirect_session' }>, _queueId: string): Promise<void> {
    const session = await this.o.store.loadCallSession(accountId, e.call_id);
    if (!session) return;
    const reply = await this.sendJoin(accountId, e.to_queue_id, session, e.join.priority, `redirect:${e.session_id}:${e.to_queue_id}`, e.join.visited);
    if (reply.joined) await this.apply(accountId, e.call_id, { type: 'queue_joined', queue_id: e.to_queue_id });
    else if (!reply.redirected_to) await this.apply(accountId, e.call_id, { type: 'session_ended', queue_id: e.to_queue_id, reason: 'timed_out' });
  }

  // ----

  private async sendJoin(accountId: string, queueId: string, s: CallerSessionState, priority: number, commandId: string, visited: string[]): Promise<QueueJoinReply> {
    const r = await this.o.shards.toQueue(accountId, queueId, (n) => ({
      type: 'queue_join',
      command_id: commandIdOf(commandId),
      account_id: accountId,
      shard_count: n,
      queue_id: queueId,
      session_id: s.session_id,
      call_id: s.call_id,
      caller_id_name: s.caller_id_name,
      caller_id_number: s.caller_id_number,
      priority,
      ...(visited.length > 0 ? { visited } : {}),
    }));
    return r.data;
  }

  /** Runs one session input on the stored state, persists and publishes what it changed. */
  private async apply(accountId: string, callId: string, input: SessionInput, loaded?: CallerSessionState | null): Promise<SessionTransitionResult> {
    const stored = loaded !== undefined ? loaded : await this.o.store.loadCallSession(accountId, callId);
    const result = sessionTransition(stored, input, this.ctx());
    if (result.state && result.state !== stored && (await this.o.store.saveCallSession(result.state))) await this.publish(result);
    return result;
  }

  private async publish(result: SessionTransitionResult): Promise<void> {
    for (const e of result.effects) {
      if (e.type !== 'publish') continue;
      const ev: SessionEvent = e.event;
      await this.o.bus.publish(EVENTS_EXCHANGE, sessionEventKey(ev.account_id, ev.session_id, ev.event), ev).catch((err: unknown) => this.o.logger.warn({ err }, 'session event publish failed'));
    }
  }

  private ctx() {
    return { now: this.o.clock.now(), node: this.o.node, newSessionId: this.o.newSessionId };
  }
}

/** Which message: KAZOO's Event-Name when set, else its shape. */
function kindOf(body: Record<string, unknown> | null): 'create_session' | 'join_queue' | 'delete_session' | null {
  if (!body || typeof body !== 'object') return null;
  const name = body['Event-Name'];
  if (name === 'create_session' || name === 'join_queue' || name === 'delete_session') return name;
  if ('Join-Queue-ID' in body) return 'join_queue';
  if ('Session-Type' in body) return 'create_session';
  if ('Call-ID' in body) return 'delete_session';
  return null;
}

function callIdOf(body: unknown): string {
  const id = (body as Record<string, unknown> | null)?.['Call-ID'];
  return typeof id === 'string' && id.length > 0 ? id.slice(0, 256) : '-';
}

/** The message's Msg-ID, else one derived from the call (a redelivery of the same call's message). */
function inputId(m: { 'Msg-ID'?: string; 'Call-ID': string }, kind: string): string {
  return m['Msg-ID'] !== undefined ? `${kind}:${m['Msg-ID']}` : `${kind}:${m['Call-ID']}`;
}

/** A command id of the contract's length (8..64) from any input id. */
function commandIdOf(id: string): string {
  if (id.length >= 8 && id.length <= 64) return id;
  let h = 0x811c9dc5;
  let g = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
    g = Math.imul(g ^ id.charCodeAt(i), 0x811c9dc5) >>> 0;
  }
  return `j${h.toString(16).padStart(8, '0')}${g.toString(16).padStart(8, '0')}${id.length.toString(16).padStart(8, '0')}`;
}
