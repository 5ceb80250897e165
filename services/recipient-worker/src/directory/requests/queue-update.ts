import { normaliseQueueWrite, type QueueDoc, type QueueDocReply, type QueueUpdateRequest } from '@qubicle/contracts';
import { StoreError, type StoredQueue } from '../../store/port.js';
import { revisionConflict } from '../errors.js';
import { checkRedirect, queueDocReply, queueOrFail, validOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

/** POST /qubicle_queues/{id}: the whole document replaced (defaults for what it omits); roster and roles kept. */
export async function queueUpdate(req: QueueUpdateRequest, ctx: DirectoryContext): Promise<QueueDocReply> {
  const ids = { account_id: req.account_id, queue_id: req.queue_id };
  const fields = validOrFail(normaliseQueueWrite(req.queue, ids));
  await queueOrFail(ctx, req.account_id, req.queue_id);
  const doc: QueueDoc = { ...fields, id: req.queue_id };
  await checkRedirect(ctx, req.account_id, doc);
  let stored: StoredQueue;
  try {
    stored = await ctx.store.updateQueue(req.account_id, doc, req.rev ?? null);
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'conflict') throw revisionConflict(req.queue_id);
    throw err;
  }
  await ctx.queueProcess.changed(req.account_id, [req.queue_id], ctx.requestId);
  return queueDocReply(stored);
}
