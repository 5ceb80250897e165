/**
 * The queue events' relay (shard-event-relay.ts) over the store's queue outbox: each entry's event
 * published, then the session report riding on it sent (queue-outbox.ts), then the entry removed.
 */
import { queueEventKey } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import type { Clock } from '../../clock.js';
import type { QueueRuntimeStore } from '../../store/ports/queues-runtime.js';
import type { QueueSessionPort } from './queue-actor.js';
import { publicEventOf, sendSessionReport, type QueueOutboxEntry } from './queue-outbox.js';
import { ShardEventRelay } from './shard-event-relay.js';

export class QueueEventRelay extends ShardEventRelay<QueueOutboxEntry> {
  constructor(opts: { bus: Pick<Bus, 'publish'>; store: Pick<QueueRuntimeStore, 'deleteQueueOutbox'>; sessions: QueueSessionPort; clock: Clock; logger: Logger; retryMs?: number }) {
    super({
      ...opts,
      routingKey: (e) => queueEventKey(e.account_id, e.queue_id, e.event),
      body: publicEventOf,
      settle: (e) => sendSessionReport(opts.sessions, e),
      describe: (e) => ({ queue_id: e.queue_id, seq: e.seq }),
      remove: (events) => opts.store.deleteQueueOutbox(events.map((e) => ({ account_id: e.account_id, queue_id: e.queue_id, seq: e.seq }))),
    });
  }
}
