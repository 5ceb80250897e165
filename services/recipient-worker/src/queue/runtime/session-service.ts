/**
 * The caller side's front, on every worker: KAZOO's `qubicle_session` messages (create_session,
 * join_queue, delete_session) on QUEUE_SESSIONS_QUEUE, and what the queues report of their
 * sessions (delivered, ended, redirected: QueueSessionPort). Neither is applied here: both are
 * sent to the owner of the session's shard, `shardOf(account_id, call_id)` (`session_request`,
 * `session_report`; over the bus also when that shard is held here: one path), whose session host
 * (session-host.ts) alone writes the session, fenced, with its events through the shard's outbox.
 *
 * Idempotence: a KAZOO message goes on as it came, Msg-ID included (the host's input id); a
 * redelivery is answered again, not applied twice. A report's command id is derived from the
 * session, the queue and the report, so a report sent again is applied once.
 */
import {
  callerOf,
  validateCreateSessionMessage,
  validateDeleteSessionMessage,
  validateJoinQueueMessage,
  type QueueHangupReply,
  type QueueJoinReply,
  type SessionReportCommand,
  type SessionRequestCommand,
  type SessionRequestReply,
} from '@qubicle/contracts';
import type { ShardClient } from '@qubicle/client';
import type { IncomingMessage, Logger, RpcHandler } from '@qubicle/transport';
import type { QueueEffect } from '../machine/index.js';
import type { CallerSessionState } from '../session/types.js';
import { commandIdOf } from './command-id.js';
import { callIdOf, invalidReply, joinReplyIds, kindOf } from './kazoo-session-messages.js';
import type { QueueSessionPort } from './queue-actor.js';
import type { SessionQueuePort } from './session-host.js';

export interface SessionServiceOptions {
  /** to the sessions' shards (KAZOO's messages, reports) and the queues' (the host's queue_join / queue_hangup) */
  shards: ShardClient;
  logger: Logger;
  newId(): string;
}

/** KAZOO waits 10 s for a reply: the owner's answer (its queue call included) must come well within. */
export const SESSION_FORWARD_TIMEOUT_MS = 8_000;
/**
 * A join waits for the queue's answer this long (not the shard client's default, the offers' 3 s:
 * a queue flooded with joins answers them in batches, the last of a burst of thousands after
 * seconds), leaving the session owner 2 s of the forward's 8 s for its own write and reply.
 */
export const QUEUE_JOIN_TIMEOUT_MS = 6_000;
/** A queue's report is sent again this many times (a shard moving meanwhile answers unavailable). */
const REPORT_ATTEMPTS = 5;

export class SessionService implements QueueSessionPort, SessionQueuePort {
  constructor(private readonly o: SessionServiceOptions) {}

  /** The RPC handler of QUEUE_SESSIONS_QUEUE: checks KAZOO's message, sends it to the session's owner, answers in KAZOO's reply format. */
  handler(): RpcHandler {
    return async (msg: IncomingMessage) => {
      const body = msg.body as Record<string, unknown> | null;
      const kind = kindOf(body);
      if (!kind) return { 'Call-ID': callIdOf(body), Result: 'failed', Reason: 'invalid_message', 'Error-Message': 'not a qubicle_session message' };
      const fields = requestOf(kind, body);
      if (!fields) return invalidReply(kind, body);
      try {
        const reply = await this.o.shards.toSession(
          fields.account_id,
          fields.call_id,
          (n) => ({ type: 'session_request', command_id: this.o.newId(), shard_count: n, ...fields }),
          { timeoutMs: SESSION_FORWARD_TIMEOUT_MS },
        );
        return reply.data satisfies SessionRequestReply;
      } catch (err) {
        this.o.logger.error({ err, kind }, 'session message failed');
        return { ...(kind === 'join_queue' ? joinReplyIds(body) : { 'Call-ID': fields.call_id }), Result: 'failed', Reason: 'unavailable', 'Error-Message': (err as Error).message.slice(0, 1000) };
      }
    };
  }

  // ---- what the queues report (QueueSessionPort): to the session's owner

  async delivered(accountId: string, e: Extract<QueueEffect, { type: 'session_delivered' }>, queueId: string): Promise<void> {
    await this.report(accountId, { call_id: e.call_id, session_id: e.session_id, queue_id: queueId, report: 'delivered', recipient_id: e.recipient_id });
  }

  async ended(accountId: string, e: Extract<QueueEffect, { type: 'end_session' }>, queueId: string): Promise<void> {
    await this.report(accountId, { call_id: e.call_id, session_id: e.session_id, queue_id: queueId, report: 'ended', reason: e.reason });
  }

  async redirected(accountId: string, e: Extract<QueueEffect, { type: 'redirect_session' }>, queueId: string): Promise<void> {
    await this.report(accountId, {
      call_id: e.call_id,
      session_id: e.session_id,
      queue_id: queueId,
      report: 'redirected',
      to_queue_id: e.to_queue_id,
      priority: e.join.priority,
      ...(e.join.visited.length > 0 ? { visited: e.join.visited } : {}),
    });
  }

  // ---- what the session host sends to the queues (SessionQueuePort)

  async join(accountId: string, queueId: string, s: CallerSessionState, priority: number, commandId: string, visited: string[]): Promise<QueueJoinReply> {
    const r = await this.o.shards.toQueue(accountId, queueId, (n) => ({
      type: 'queue_join',
      command_id: commandId,
      account_id: accountId,
      shard_count: n,
      queue_id: queueId,
      session_id: s.session_id,
      call_id: s.call_id,
      caller_id_name: s.caller_id_name,
      caller_id_number: s.caller_id_number,
      priority,
      ...(visited.length > 0 ? { visited } : {}),
    }), { timeoutMs: QUEUE_JOIN_TIMEOUT_MS });
    return r.data;
  }

  async hangup(accountId: string, queueId: string, sessionId: string, commandId: string): Promise<QueueHangupReply> {
    const r = await this.o.shards.toQueue(accountId, queueId, (n) => ({ type: 'queue_hangup', command_id: commandId, account_id: accountId, shard_count: n, queue_id: queueId, session_id: sessionId }));
    return r.data;
  }

  /** Sent until the owner answers (a report applied before changes nothing: the machine ignores it); a last failure is the caller's to log. */
  private async report(accountId: string, r: Omit<SessionReportCommand, 'type' | 'command_id' | 'account_id' | 'shard_count'>): Promise<void> {
    const commandId = commandIdOf(`report:${r.report}:${r.session_id}:${r.queue_id}:${r.to_queue_id ?? ''}`);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.shards.toSession(accountId, r.call_id, (n) => ({ type: 'session_report', command_id: commandId, account_id: accountId, shard_count: n, ...r }));
        return;
      } catch (err) {
        if (attempt >= REPORT_ATTEMPTS) throw err;
      }
    }
  }
}

type RequestFields = Omit<SessionRequestCommand, 'type' | 'command_id' | 'shard_count'>;

/** KAZOO's message checked against its schema, as what the session reads of it (null: invalid). */
function requestOf(kind: SessionRequestCommand['kind'], body: unknown): RequestFields | null {
  const msgId = (m: { 'Msg-ID'?: string }) => (m['Msg-ID'] !== undefined ? { msg_id: m['Msg-ID'] } : {});
  if (kind === 'create_session') {
    const v = validateCreateSessionMessage(body);
    if (!v.ok) return null;
    const m = v.value;
    return { kind, account_id: m['Account-ID'], call_id: m['Call-ID'], ...msgId(m), session_type: m['Session-Type'], ...callerOf(m.Call) };
  }
  if (kind === 'join_queue') {
    const v = validateJoinQueueMessage(body);
    if (!v.ok) return null;
    const m = v.value;
    return { kind, account_id: m['Account-ID'], call_id: m['Call-ID'], ...msgId(m), session_id: m['Session-ID'], queue_id: m['Join-Queue-ID'], ...(m.Priority !== undefined ? { priority: m.Priority } : {}) };
  }
  const v = validateDeleteSessionMessage(body);
  if (!v.ok) return null;
  return { kind, account_id: v.value['Account-ID'], call_id: v.value['Call-ID'], ...msgId(v.value) };
}
