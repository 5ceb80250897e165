import type { QueueListItem, QueueListRequest } from '@qubicle/contracts';
import { accountOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

/** KAZOO's summary `[{id, name}]`, by name then id. An unknown account is a 404. */
export async function queueList(req: QueueListRequest, ctx: DirectoryContext): Promise<QueueListItem[]> {
  const [, queues] = await Promise.all([accountOrFail(ctx, req.account_id), ctx.store.listQueues(req.account_id)]);
  return queues.map((q) => ({ id: q.doc.id, name: q.doc.name }));
}
