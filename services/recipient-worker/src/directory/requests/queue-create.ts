import { MAX_QUEUES_PER_ACCOUNT, newKazooId, normaliseQueueWrite, type QueueCreateRequest, type QueueDoc, type QueueDocReply } from '@qubicle/contracts';
import { invalidData } from '../errors.js';
import { accountOrFail, checkRedirect, queueDocReply, validOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

/**
 * PUT /qubicle_queues: the write normalised (older names mapped, defaults filled in, every bad
 * field at once), a new id, no roster and no roles yet. An account at MAX_QUEUES_PER_ACCOUNT
 * queues is refused 400 `queues.maximum`.
 */
export async function queueCreate(req: QueueCreateRequest, ctx: DirectoryContext): Promise<QueueDocReply> {
  await accountOrFail(ctx, req.account_id);
  const fields = validOrFail(normaliseQueueWrite(req.queue, { account_id: req.account_id }));
  const doc: QueueDoc = { ...fields, id: newKazooId() };
  await checkRedirect(ctx, req.account_id, doc);
  if ((await ctx.store.countQueues(req.account_id)) >= MAX_QUEUES_PER_ACCOUNT) {
    throw invalidData({ queues: { maximum: { message: `An account may have at most ${MAX_QUEUES_PER_ACCOUNT} queues`, target: MAX_QUEUES_PER_ACCOUNT } } });
  }
  const stored = await ctx.store.createQueue(req.account_id, doc);
  // a queue runs whether or not callers wait: its process starts now
  await ctx.queueProcess.changed(req.account_id, [doc.id], ctx.requestId);
  return queueDocReply(stored);
}
