/**
 * POST /v2/accounts/:account_id/qubicle_recipients/status — two requests on one path:
 *
 * - query {"data":{"recipient_ids":[...]}} → {rid: status | "not_logged_in"}, with ONE
 *   get_status_many per shard, in parallel;
 * - set {"data":{"set_status":true, rid:{"global":"ready", qid:"away"}}} → {rid:{global:"ok", qid:"error"}}.
 *   Per recipient, `global` is applied first (ready/away → set_status, login/logout → those
 *   commands), then each queue key in body order (set_status with queue_id); recipients run in
 *   parallel. A plain user naming anyone but themselves or members of the queues they manage is
 *   refused as a whole (403, no command sent). When NOTHING could be delivered (every key failed on the bus: timeout or bus down)
 *   the request fails with that 504/503 instead of answering a page of "error".
 */
import {
  isRetryableFailure,
  QubicleFailure,
  bulkStatusSetEntries,
  validateBulkStatusQueryBody,
  validateBulkStatusSetBody,
  type BulkRecipientStatusSet,
  type BulkStatusSetData,
} from '@qubicle/contracts';
import type { GatewayContext } from '../context.js';
import { assertCanSuperviseAll } from './supervision.js';
import { sendSuccess, sendSuccessJson } from '../crossbar/respond.js';
import type { CommandInput } from '../rpc/messages.js';
import { callContextOf, param, principalOf, validBody, type RouteDeps } from './deps.js';
import { failures } from '../crossbar/errors.js';
import { idempotencyKeyOf, idempotentIdOf, ifMatchOf } from './write-conditions.js';

/** Recipients handled at once by a bulk set (each one's keys stay sequential). */
export const BULK_SET_CONCURRENCY = 32;

export async function bulkStatus(ctx: GatewayContext, deps: RouteDeps): Promise<void> {
  const body = ctx.state.body as { data?: { set_status?: unknown } } | undefined;
  if (body?.data?.set_status === true) return bulkSet(ctx, deps);
  const { data } = validBody(validateBulkStatusQueryBody, ctx.state.body);
  const accountId = param(ctx, 'account_id');
  const model = deps.readModel;
  if (!model?.isActive) return sendSuccess(ctx, await deps.rpc.getStatusMany(accountId, data.recipient_ids, callContextOf(ctx)));
  // the read model's serialised statuses as they are, the rest from the workers (docs/performance.md)
  const cached = new Map<string, string>();
  const missing: string[] = [];
  for (const id of data.recipient_ids) {
    const json = model.getJson(accountId, id);
    if (json !== undefined) cached.set(id, json);
    else missing.push(id);
  }
  const fetched = missing.length ? await deps.rpc.getStatusMany(accountId, missing, callContextOf(ctx)) : {};
  const parts: string[] = [];
  for (const id of data.recipient_ids) parts.push(`"${id}":${cached.get(id) ?? JSON.stringify(fetched[id] ?? 'not_logged_in')}`);
  sendSuccessJson(ctx, `{${parts.join(',')}}`);
}

async function bulkSet(ctx: GatewayContext, deps: RouteDeps): Promise<void> {
  const { data } = validBody(validateBulkStatusSetBody, ctx.state.body);
  const entries = bulkStatusSetEntries(data);
  await assertCanSuperviseAll(
    ctx,
    deps,
    entries.map(([rid]) => rid),
  );
  const accountId = param(ctx, 'account_id');
  const call = callContextOf(ctx);
  // one revision names one recipient: If-Match has no meaning for many
  if (ifMatchOf(ctx) !== undefined) {
    throw failures.invalidData({ 'If-Match': { not_allowed: { message: 'If-Match is not accepted on a bulk set (set each recipient on its own)', cause: '' } } });
  }
  const key = idempotencyKeyOf(ctx);
  const transportFailures: QubicleFailure[] = [];
  let delivered = false;

  const results = await mapLimit(entries, BULK_SET_CONCURRENCY, async ([rid, entry]) => {
    // keyed by the client's keys: a Map, then Object.fromEntries (never a prototype in reach)
    const out = new Map<string, 'ok' | 'error'>();
    for (const [k, command] of commandsOfEntry(entry)) {
      try {
        // each command its own id of the request's key (the whole body hashed: the key stands for it)
        const commandId = key !== undefined ? idempotentIdOf(ctx, principalOf(ctx), key, data, `${rid}/${k}`) : undefined;
        await deps.rpc.callShard(accountId, rid, command, call, { commandId });
        out.set(k, 'ok');
        delivered = true;
      } catch (err) {
        out.set(k, 'error');
        if (isBusFailure(err)) transportFailures.push(err);
        else delivered = true; // a worker answered (with a refusal)
        if (!(err instanceof QubicleFailure)) deps.logger.error({ err, request_id: ctx.state.requestId }, 'bulk set: command failed');
      }
    }
    return [rid, Object.fromEntries(out)] as const;
  });

  const first = transportFailures[0];
  if (!delivered && first) throw first;
  const answer: BulkStatusSetData = Object.fromEntries(results);
  sendSuccess(ctx, answer);
}

/** The keys of a recipient's entry that are not queue ids. */
const NOT_QUEUE_KEYS = new Set(['global', 'reason', 'duration_seconds']);

/** The commands of one recipient's entry, `global` first, then queue keys in order. */
export function commandsOfEntry(entry: BulkRecipientStatusSet): Array<[string, CommandInput]> {
  const out: Array<[string, CommandInput]> = [];
  const g = entry.global;
  // the reason goes with every away of the entry, the break with the global one only (a queue flag has no timer)
  const reason = entry.reason !== undefined ? { reason: entry.reason } : {};
  const duration = entry.duration_seconds !== undefined ? { duration_seconds: entry.duration_seconds } : {};
  if (g === 'login' || g === 'logout') out.push(['global', { type: g }]);
  else if (g === 'ready') out.push(['global', { type: 'set_status', status: g }]);
  else if (g === 'away') out.push(['global', { type: 'set_status', status: g, ...reason, ...duration }]);
  for (const [key, status] of Object.entries(entry)) {
    if (NOT_QUEUE_KEYS.has(key)) continue;
    if (status === 'ready') out.push([key, { type: 'set_status', status, queue_id: key }]);
    else if (status === 'away') out.push([key, { type: 'set_status', status, queue_id: key, ...reason }]);
  }
  return out;
}

/** No worker took the command (timeout, unavailable): the retryable codes of the contracts. */
const isBusFailure = isRetryableFailure;

/** Like Promise.all(items.map(fn)) with at most `limit` running at once; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
