import type { AwayReasonDeleteReply, AwayReasonDeleteRequest } from '@qubicle/contracts';
import { accountOrFail, ownReasons, refuseBuiltIn, saveReasons } from '../away-reasons.js';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';

/** Removes the entry and answers it; the built-in entries are refused. */
export async function awayReasonDelete(req: AwayReasonDeleteRequest, ctx: DirectoryContext): Promise<AwayReasonDeleteReply> {
  refuseBuiltIn(req.name);
  const account = await accountOrFail(ctx, req.account_id);
  const own = ownReasons(account);
  const existing = own.find((e) => e.name === req.name);
  if (!existing) throw notFound(req.name);
  await saveReasons(ctx, account, own.filter((e) => e.name !== req.name));
  return existing;
}
