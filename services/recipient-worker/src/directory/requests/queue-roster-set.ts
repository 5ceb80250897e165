import type { QueueRosterReply, QueueRosterSetRequest } from '@qubicle/contracts';
import { checkRoster, queueOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

/** The whole roster replaced, after every id was checked (queues.ts): a refused roster changes nothing. */
export async function queueRosterSet(req: QueueRosterSetRequest, ctx: DirectoryContext): Promise<QueueRosterReply> {
  await queueOrFail(ctx, req.account_id, req.queue_id);
  const roster = await checkRoster(ctx, req.account_id, req.queue_id, req.recipients);
  const recipients = await ctx.store.setRoster(req.account_id, req.queue_id, roster);
  // the roster is who the queue's process offers calls to
  await ctx.queueProcess.changed(req.account_id, [req.queue_id], ctx.requestId);
  return { queue_id: req.queue_id, recipients };
}
