/**
 * The fake worker's running queues: answers the messages to running queues (contracts bus/queue/)
 * on the shard queues from the fake queue documents (a queue with a document runs; one without is
 * `unknown_queue` / `not_found`, as on the real worker), with canned statuses, per-queue callers the
 * test sets, and a canned outcome of a supervisor's action. The real queue process is tested in the
 * worker's tests and end to end.
 */
import {
  emptyServiceLevelCounts,
  errorReply,
  okReply,
  serviceLevelWindowOf,
  shardOf,
  shardQueue,
  validateQueueMessage,
  type QueueMessage,
  type QueueSessionActionReply,
  type QueueSessionView,
  type QueueStatus,
  type RpcReply, shardKeysOf
} from '@qubicle/contracts';
import type { FakeQueues } from './fake-queues.js';

export class FakeQueueProcess {
  /** Callers per queue id (GET …/sessions answers them). */
  readonly sessions = new Map<string, QueueSessionView[]>();
  /** Each queue's event seq the reads answer at (default 1); a test moves it with the events it publishes. */
  readonly seqs = new Map<string, number>();
  /** The outcome of the next queue_session_action (default: done). */
  actionOutcome: Partial<QueueSessionActionReply> | null = null;

  constructor(
    private readonly docs: FakeQueues,
    private readonly accountId: string,
    private readonly node: string,
  ) {}

  statusOf(queueId: string): QueueStatus {
    const q = this.docs.queues.get(queueId);
    const window = serviceLevelWindowOf(emptyServiceLevelCounts());
    return {
      active_recipient_count: 0,
      available_recipient_count: 0,
      stats: { estimated_wait: 0, average_wait: 0, recipient_count: q?.roster.length ?? 0, active_session_count: this.sessions.get(queueId)?.length ?? 0, total_sessions: 0, missed_sessions: 0, abandoned_sessions: 0 },
      node: this.node,
      service_level: { threshold_seconds: q?.doc.service_level_seconds ?? 20, day: window, last_15_minutes: window },
    };
  }

  handle(queue: string, raw: unknown, shardCount: number): RpcReply<unknown> {
    const v = validateQueueMessage(raw);
    if (!v.ok) return errorReply({ code: 'invalid_message', message: JSON.stringify(v.details) });
    const msg: QueueMessage = v.value;
    if (msg.shard_count !== shardCount) return errorReply({ code: 'shard_mismatch', message: 'shard count mismatch', expected: shardCount, got: msg.shard_count });
    const ids = shardKeysOf(msg);
    if (ids.some((id) => queue !== shardQueue(shardOf(msg.account_id, id, shardCount)))) return errorReply({ code: 'misrouted', message: 'wrong shard' });
    const exists = (id: string) => msg.account_id === this.accountId && this.docs.queues.has(id);
    const notFound = (id: string) => errorReply({ code: 'not_found', message: `queue ${id} not found`, cause: 'unknown_queue' }, this.node);
    switch (msg.type) {
      case 'get_queue_status':
        return okReply(Object.fromEntries(ids.map((id) => [id, exists(id) ? { status: this.statusOf(id), seq: this.seqs.get(id) ?? 1 } : 'unknown_queue'])), this.node);
      case 'ensure_queues_started':
        return okReply(Object.fromEntries(ids.map((id) => [id, exists(id) ? { node: this.node, started: false } : 'unknown_queue'])), this.node);
      case 'list_queue_sessions':
        if (!exists(msg.queue_id)) return notFound(msg.queue_id);
        return okReply({ queue_id: msg.queue_id, sessions: this.sessions.get(msg.queue_id) ?? [], seq: this.seqs.get(msg.queue_id) ?? 1 }, this.node);
      case 'queue_session_action': {
        if (!exists(msg.queue_id)) return notFound(msg.queue_id);
        const base = { queue_id: msg.queue_id, session_id: msg.session_id, action: msg.action };
        const known = (this.sessions.get(msg.queue_id) ?? []).some((s) => s.session_id === msg.session_id);
        if (!known) return okReply({ ...base, done: false, reason: 'unknown_session' }, this.node);
        if (this.actionOutcome) return okReply({ ...base, ...this.actionOutcome }, this.node);
        return okReply({ ...base, done: true, ...(msg.recipient_id ? { recipient_id: msg.recipient_id } : {}) }, this.node);
      }
      default:
        return errorReply({ code: 'invalid_message', message: `${msg.type} is not for the gateway to send` });
    }
  }
}
