/**
 * The running queues' documents and rosters from the queue API's own store (store/ports/queues.ts):
 * what the directory's queue_* requests write is what the queue process routes with. The worker's
 * default QueueDocSource; the directory tells a running queue to read it again after each write
 * (ensure_queues_started, stop_queue: directory/queue-process.ts).
 */
import type { QueueFields } from '@qubicle/contracts';
import type { QueueStore } from '../../store/ports/queues.js';
import type { QueueDocSource, QueueDocView } from './doc-source.js';

export class StoreQueueDocs implements QueueDocSource {
  constructor(private readonly store: Pick<QueueStore, 'getQueue' | 'getRoster' | 'listQueues'>) {}

  async get(accountId: string, queueId: string): Promise<QueueDocView | null> {
    const [stored, roster] = await Promise.all([this.store.getQueue(accountId, queueId), this.store.getRoster(accountId, queueId)]);
    if (!stored) return null;
    const { id: _id, ...doc } = stored.doc;
    return { doc: doc as QueueFields, members: roster ?? [] };
  }

  async list(accountId: string): Promise<string[]> {
    return (await this.store.listQueues(accountId)).map((q) => q.doc.id).sort();
  }
}
