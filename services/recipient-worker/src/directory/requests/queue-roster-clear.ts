import type { QueueRosterClearRequest, QueueRosterReply } from '@qubicle/contracts';
import { queueOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

/** DELETE …/recipients: the roster emptied. */
export async function queueRosterClear(req: QueueRosterClearRequest, ctx: DirectoryContext): Promise<QueueRosterReply> {
  await queueOrFail(ctx, req.account_id, req.queue_id);
  const recipients = await ctx.store.setRoster(req.account_id, req.queue_id, []);
  await ctx.queueProcess.changed(req.account_id, [req.queue_id], ctx.requestId);
  return { queue_id: req.queue_id, recipients };
}
