/** The caller sessions' event relay (shard-event-relay.ts) over the store's session outbox. */
import { sessionEventKey, type SessionEvent } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import type { Clock } from '../../clock.js';
import type { QueueRuntimeStore } from '../../store/ports/queues-runtime.js';
import { ShardEventRelay } from './shard-event-relay.js';

export class SessionEventRelay extends ShardEventRelay<SessionEvent> {
  constructor(opts: { bus: Pick<Bus, 'publish'>; store: Pick<QueueRuntimeStore, 'deleteSessionOutbox'>; clock: Clock; logger: Logger; retryMs?: number }) {
    super({
      ...opts,
      routingKey: (e) => sessionEventKey(e.account_id, e.session_id, e.event),
      describe: (e) => ({ session_id: e.session_id, seq: e.seq }),
      remove: (events) => opts.store.deleteSessionOutbox(events.map((e) => ({ account_id: e.account_id, session_id: e.session_id, seq: e.seq }))),
    });
  }
}
