import { auditStartKey, parseAuditStartKey, type AuditListReply, type AuditListRequest } from '@qubicle/contracts';
import { invalidData } from '../errors.js';
import type { DirectoryContext } from '../types.js';

/**
 * One page of the audit trail, newest first: of one recipient, or of the account. The store pages
 * exactly (start inclusive); one entry more than the page tells where the next one starts. The
 * time filter is in unix seconds, inclusive (entries are stamped in ms).
 */
export async function auditList(req: AuditListRequest, ctx: DirectoryContext): Promise<AuditListReply> {
  const start = req.start_key !== undefined ? parseAuditStartKey(req.start_key) : null;
  if (req.start_key !== undefined && !start) throw invalidData({ start_key: { pattern: { message: 'Invalid start_key', cause: req.start_key } } });
  const rows = await ctx.store.listAudit(req.account_id, {
    limit: req.limit + 1,
    ...(req.recipient_id !== undefined ? { recipient_id: req.recipient_id } : {}),
    ...(req.actor !== undefined ? { actor: req.actor } : {}),
    ...(req.created_from !== undefined ? { from: req.created_from * 1000 } : {}),
    ...(req.created_to !== undefined ? { to: req.created_to * 1000 + 999 } : {}),
    ...(start ? { start } : {}),
  });
  const entries = rows.slice(0, req.limit);
  const next = rows[req.limit];
  return next ? { entries, next_start_key: auditStartKey(next) } : { entries };
}
