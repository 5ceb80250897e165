import type { QueueRosterAllRequest, QueueRosters } from '@qubicle/contracts';
import { accountOrFail } from '../queues.js';
import type { DirectoryContext } from '../types.js';

export async function queueRosterAll(req: QueueRosterAllRequest, ctx: DirectoryContext): Promise<QueueRosters> {
  const [, rosters] = await Promise.all([accountOrFail(ctx, req.account_id), ctx.store.listRosters(req.account_id)]);
  return rosters;
}
