/** The queue events' relay (shard-event-relay.ts) over the store's queue outbox. */
import { queueEventKey, type QueueEvent } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import type { Clock } from '../../clock.js';
import type { QueueRuntimeStore } from '../../store/ports/queues-runtime.js';
import { ShardEventRelay } from './shard-event-relay.js';

export class QueueEventRelay extends ShardEventRelay<QueueEvent> {
  constructor(opts: { bus: Pick<Bus, 'publish'>; store: Pick<QueueRuntimeStore, 'deleteQueueOutbox'>; clock: Clock; logger: Logger; retryMs?: number }) {
    super({
      ...opts,
      routingKey: (e) => queueEventKey(e.account_id, e.queue_id, e.event),
      describe: (e) => ({ queue_id: e.queue_id, seq: e.seq }),
      remove: (events) => opts.store.deleteQueueOutbox(events.map((e) => ({ account_id: e.account_id, queue_id: e.queue_id, seq: e.seq }))),
    });
  }
}
