import type { AwayReasonWriteReply, AwayReasonWriteRequest } from '@qubicle/contracts';
import { QubicleFailure } from '@qubicle/contracts';
import { accountOrFail, entryOf, listOf, ownReasons, refuseBuiltIn, saveReasons } from '../away-reasons.js';
import { notFound } from '../errors.js';
import type { DirectoryContext } from '../types.js';

/** create (conflict when the name exists), update (replace) or patch (merge); the built-in entries are refused. */
export async function awayReasonWrite(req: AwayReasonWriteRequest, ctx: DirectoryContext): Promise<AwayReasonWriteReply> {
  const account = await accountOrFail(ctx, req.account_id);
  const own = ownReasons(account);
  const existing = own.find((e) => e.name === req.name);
  if (req.op === 'create') {
    if (listOf(account).some((e) => e.name === req.name)) {
      throw new QubicleFailure({ code: 'conflict', message: 'away reason already exists', cause: req.name });
    }
    const entry = entryOf(req.name, {}, req.fields);
    await saveReasons(ctx, account, [...own, entry]);
    return entry;
  }
  refuseBuiltIn(req.name);
  if (!existing) throw notFound(req.name);
  const entry = entryOf(req.name, req.op === 'patch' ? existing : {}, req.fields);
  await saveReasons(ctx, account, own.map((e) => (e.name === req.name ? entry : e)));
  return entry;
}
