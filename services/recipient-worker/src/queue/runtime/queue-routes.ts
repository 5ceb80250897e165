/**
 * The shard handler's routes for messages to running queues (contracts: bus/queue/). A queue whose
 * document exists is started on demand by any of them (it "runs whether or not callers wait").
 */
import { errorReply, okReply, type EnsureQueuesStartedReply, type GetQueueStatusReply, type ListQueueSessionsReply, type QueueMessage, type QueueSessionView, type RpcReply } from '@qubicle/contracts';
import type { Fence } from '../../store/port.js';
import { queueStatusOf, type AssignResult } from '../machine/index.js';
import type { QueueRegistry } from './queue-registry.js';

export interface QueueRouteDeps {
  queues: QueueRegistry;
  node: string;
}

/** Every message to a running queue (the caller sessions' own go to the session host: session-host.ts). */
export async function routeQueueMessage(msg: Exclude<QueueMessage, { type: 'session_request' | 'session_report' }>, deps: QueueRouteDeps, fence: Fence): Promise<RpcReply<unknown>> {
  const { queues, node } = deps;
  const A = msg.account_id;
  /** Started (on demand) → null; else the reply for it. */
  const started = async (queueId: string): Promise<{ started: boolean } | 'unknown_queue' | RpcReply<never>> => queues.ensureStarted(A, queueId, fence);
  switch (msg.type) {
    case 'ensure_queues_started': {
      const data: EnsureQueuesStartedReply = {};
      for (const id of [...new Set(msg.queue_ids)]) {
        const r = await queues.ensureStarted(A, id, fence, { refresh: true });
        if (isReply(r)) return r;
        data[id] = r === 'unknown_queue' ? r : { node, started: r.started };
      }
      return okReply(data, node);
    }
    case 'get_queue_status': {
      const data: GetQueueStatusReply = {};
      for (const id of [...new Set(msg.queue_ids)]) {
        const r = await started(id);
        if (isReply(r)) return r;
        if (r === 'unknown_queue') {
          data[id] = r;
          continue;
        }
        const actor = queues.peek(A, id);
        const entry = actor ? await actor.read((s) => (s ? { status: queueStatusOf(s, actor.context(fence.epoch)), seq: s.seq } : null)) : null;
        if (entry === 'stopped' || entry === null) return errorReply({ code: 'unavailable', message: `queue ${id} moved; retry` }, node);
        data[id] = entry;
      }
      return okReply(data, node);
    }
    case 'list_queue_sessions': {
      const r = await started(msg.queue_id);
      if (isReply(r)) return r;
      if (r === 'unknown_queue') return errorReply({ code: 'not_found', message: `queue ${msg.queue_id} not found`, cause: 'unknown_queue' }, node);
      const actor = queues.peek(A, msg.queue_id);
      const view = actor
        ? await actor.read((s): ListQueueSessionsReply | null => {
            if (!s) return null;
            const now = actor.context(fence.epoch).now;
            const sessions: QueueSessionView[] = s.sessions.map((x, i) => ({
              session_id: x.session_id,
              call_id: x.call_id,
              caller_id_name: x.caller_id_name,
              caller_id_number: x.caller_id_number,
              priority: x.priority,
              state: x.offer ? 'ringing' : 'waiting',
              position: i + 1,
              entered_at: new Date(x.entered_at).toISOString(),
              wait: Math.max(0, Math.round((now - x.entered_at) / 100) / 10),
              ...(x.offer ? { recipient_id: x.offer.recipient_id } : {}),
              ...(x.assignment ? { assigned_to: x.assignment.recipient_id } : {}),
            }));
            return { queue_id: msg.queue_id, sessions, seq: s.seq };
          })
        : null;
      if (view === 'stopped' || view === null) return errorReply({ code: 'unavailable', message: `queue ${msg.queue_id} moved; retry` }, node);
      return okReply(view, node);
    }
    case 'queue_session_action': {
      const r = await started(msg.queue_id);
      if (isReply(r)) return r;
      if (r === 'unknown_queue') return errorReply({ code: 'not_found', message: `queue ${msg.queue_id} not found`, cause: 'unknown_queue' }, node);
      if (msg.action === 'assign') return assign(msg as AssignMessage, deps, fence);
      const reply = await queues.dispatch(A, msg.queue_id, { type: 'remove_session', input_id: msg.command_id, session_id: msg.session_id }, fence);
      if (!reply.ok) return reply;
      const removed = (reply.data as { removed?: boolean } | null)?.removed === true;
      return okReply(
        removed ? { queue_id: msg.queue_id, session_id: msg.session_id, action: 'remove', done: true } : { queue_id: msg.queue_id, session_id: msg.session_id, action: 'remove', done: false, reason: 'unknown_session' },
        node,
      );
    }
    case 'queue_join': {
      const r = await started(msg.queue_id);
      if (isReply(r)) return r;
      if (r === 'unknown_queue') return okReply({ joined: false, reason: 'unknown_queue' }, node);
      return queues.dispatch(
        A,
        msg.queue_id,
        {
          type: 'join',
          input_id: msg.command_id,
          session_id: msg.session_id,
          call_id: msg.call_id,
          caller_id_name: msg.caller_id_name,
          caller_id_number: msg.caller_id_number,
          priority: msg.priority,
          ...(msg.visited ? { visited: msg.visited } : {}),
        },
        fence,
      );
    }
    case 'stop_queue': {
      const r = await queues.stopDeleted(A, msg.queue_id, msg.command_id, fence);
      if (isReply(r)) return r;
      return okReply(r, node);
    }
    case 'queue_hangup': {
      const reply = await queues.dispatch(A, msg.queue_id, { type: 'caller_hangup', input_id: msg.command_id, session_id: msg.session_id }, fence);
      if (!reply.ok) return reply;
      return okReply({ removed: (reply.data as { removed?: boolean } | null)?.removed === true }, node);
    }
  }
}

/**
 * How long the assign answer waits for the offer command's reply (a refusal is the answer: the
 * queue's view was stale). Below the offer's own RPC timeout (3 s) and the sender's (5 s): no reply
 * by then answers done, and the offer's deadline decides as for any offer.
 */
export const ASSIGN_REPLY_WAIT_MS = 2_000;

type AssignMessage = Extract<QueueMessage, { type: 'queue_session_action' }> & { recipient_id: string };

/**
 * A supervisor's assignment (the queue machine's `assign`): refused as data; or the caller waits
 * for the busy member (`offered: false`); or offered now, and then the offer's reply (within
 * ASSIGN_REPLY_WAIT_MS) says whether the recipient took it: refused → `recipient_unavailable` with
 * the recipient's reason (the caller is back at its place and routed as usual by then).
 */
async function assign(msg: AssignMessage, deps: QueueRouteDeps, fence: Fence): Promise<RpcReply<unknown>> {
  const { queues, node } = deps;
  const by = msg.by?.user_id;
  const reply = await queues.dispatch(msg.account_id, msg.queue_id, { type: 'assign', input_id: msg.command_id, session_id: msg.session_id, recipient_id: msg.recipient_id, ...(by ? { by } : {}) }, fence);
  if (!reply.ok) return reply;
  const result = reply.data as AssignResult;
  const base = { queue_id: msg.queue_id, session_id: msg.session_id, action: 'assign' as const };
  if (!result.assigned) return okReply({ ...base, done: false, reason: result.reason }, node);
  // waits for the member (busy now): nothing sent yet
  if (!result.offer_id) return okReply({ ...base, done: true, recipient_id: result.recipient_id, offered: false }, node);
  const pending = queues.peek(msg.account_id, msg.queue_id)?.pinnedOfferReply(result.offer_id);
  const seen = pending ? await within(pending, ASSIGN_REPLY_WAIT_MS) : null;
  if (seen && !seen.accepted) return okReply({ ...base, done: false, reason: 'recipient_unavailable', ...(seen.reason ? { offer_refusal: seen.reason } : {}) }, node);
  return okReply({ ...base, done: true, recipient_id: result.recipient_id, offered: true }, node);
}

/** The promise's value, or null when it takes longer than `ms` (a real timer: the wait is I/O). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isReply(r: unknown): r is RpcReply<never> {
  return typeof r === 'object' && r !== null && 'ok' in r;
}
