import type { QueueRosterGetRequest, QueueRosterReply } from '@qubicle/contracts';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';

export async function queueRosterGet(req: QueueRosterGetRequest, ctx: DirectoryContext): Promise<QueueRosterReply> {
  const recipients = await ctx.store.getRoster(req.account_id, req.queue_id);
  if (recipients === null) throw notFound(req.queue_id);
  return { queue_id: req.queue_id, recipients };
}
