import type { QueueDocReply, QueueGetRequest } from '@qubicle/contracts';
import { queueDocReply, queueOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

export async function queueGet(req: QueueGetRequest, ctx: DirectoryContext): Promise<QueueDocReply> {
  return queueDocReply(await queueOrFail(ctx, req.account_id, req.queue_id));
}
