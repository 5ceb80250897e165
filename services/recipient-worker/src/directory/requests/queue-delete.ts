import type { QueueDeleteRequest, QueueDocReply } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import { queueDocReply, queueOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

/** DELETE /qubicle_queues/{id}: the queue, its roster and its roles; replies with the deleted document. */
export async function queueDelete(req: QueueDeleteRequest, ctx: DirectoryContext): Promise<QueueDocReply> {
  const existing = await queueOrFail(ctx, req.account_id, req.queue_id);
  if (!(await ctx.store.deleteQueue(req.account_id, req.queue_id))) throw notFound(req.queue_id);
  // its process stops: the callers exit, the queue's `delete` event
  await ctx.queueProcess.deleted(req.account_id, req.queue_id, ctx.requestId);
  return queueDocReply(existing);
}
