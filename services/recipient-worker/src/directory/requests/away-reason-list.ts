import type { AwayReasonListReply, AwayReasonListRequest } from '@qubicle/contracts';
import { accountOrFail, listOf } from '../away-reasons.js';
import type { DirectoryContext } from '../types.js';

/** The catalogue, built-in entries first. */
export async function awayReasonList(req: AwayReasonListRequest, ctx: DirectoryContext): Promise<AwayReasonListReply> {
  return listOf(await accountOrFail(ctx, req.account_id));
}
