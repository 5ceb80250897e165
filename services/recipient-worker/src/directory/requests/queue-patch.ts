import { patchQueueDoc, type QueueDoc, type QueueDocReply, type QueuePatchRequest } from '@qubicle/contracts';
import { StoreError } from '../../store/port.js';
import { revisionConflict } from '../errors.js';
import { checkRedirect, queueDocReply, queueOrFail, validOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

const ATTEMPTS = 5;

/**
 * PATCH /qubicle_queues/{id}: the given fields (older names accepted, null clears an optional
 * one) over the stored document, the result validated whole. Written conditionally on the
 * revision read, and read again if another writer got in between.
 */
export async function queuePatch(req: QueuePatchRequest, ctx: DirectoryContext): Promise<QueueDocReply> {
  const ids = { account_id: req.account_id, queue_id: req.queue_id };
  for (let attempt = 1; ; attempt++) {
    const stored = await queueOrFail(ctx, req.account_id, req.queue_id);
    const { id: _id, ...fields } = stored.doc;
    const doc: QueueDoc = { ...validOrFail(patchQueueDoc(fields, req.patch, ids)), id: req.queue_id };
    await checkRedirect(ctx, req.account_id, doc);
    try {
      const written = await ctx.store.updateQueue(req.account_id, doc, stored.rev);
      await ctx.queueProcess.changed(req.account_id, [req.queue_id], ctx.requestId);
      return queueDocReply(written);
    } catch (err) {
      if (!(err instanceof StoreError && err.kind === 'conflict')) throw err;
      if (attempt >= ATTEMPTS) throw revisionConflict(req.queue_id);
    }
  }
}
