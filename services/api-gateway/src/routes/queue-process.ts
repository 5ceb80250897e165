/**
 * /v2/accounts/:account_id/qubicle_queues — the routes that ask the RUNNING queues (their process
 * on the queue's shard, contracts bus/queue/, through @qubicle/client's QueueBusClient):
 *   GET  /status                   every queue's live status {queue_id: status} (SDK listStatus)
 *   GET  /ensure_started           every queue of the account has its process {queue_id: {node, started}} (SDK getEnsureStarted)
 *   GET  /:id/status               one queue's live status (SDK getStatus)
 *   GET  /:id/sessions             its waiting and ringing callers, in routing order
 *   POST /:id/sessions/:session_id a supervisor assigns a waiting caller to a member, or removes it
 *                                  (admin or a manager of the queue; SDK updateSessions)
 * Registered before GET /:id (queues.ts), which would otherwise take `status` and `ensure_started`
 * as queue ids. An unknown queue (or one of another account) is 404 `bad identifier`, as on every
 * per-queue route.
 */
import type { Router } from '@koa/router';
import { QubicleFailure, validateQueueSessionActionBody, type QueueSessionActionReply, type QueueStatus } from '@qubicle/contracts';
import type { GatewayContext, GatewayState } from '../context.js';
import { isAdmin } from '../auth/principal.js';
import { assertCanEditRoster } from '../auth/permissions.js';
import { failures } from '../crossbar/errors.js';
import { sendSuccess } from '../crossbar/respond.js';
import { callContextOf, param, principalOf, validBody, type RouteDeps } from './deps.js';

export function queueProcessRoutes(router: Router<GatewayState>, base: string, deps: RouteDeps): void {
  const { rpc } = deps;
  const account = (ctx: GatewayContext) => param(ctx, 'account_id');
  const opts = (ctx: GatewayContext) => ({ requestId: callContextOf(ctx).requestId });
  /** The account's queue ids (the directory's list). */
  const queueIds = async (ctx: GatewayContext) => (await rpc.callDirectory({ type: 'queue_list', account_id: account(ctx) }, callContextOf(ctx))).map((q) => q.id);
  /** A worker's not_found about the queue → 404 bad identifier naming it. */
  const orBadIdentifier = async <T>(ctx: GatewayContext, p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      if (err instanceof QubicleFailure && err.error.code === 'not_found') throw failures.badIdentifier(param(ctx, 'id'));
      throw err;
    }
  };

  router.get(`${base}/status`, async (ctx) => {
    const ids = await queueIds(ctx);
    const all = await rpc.queues.status(account(ctx), ids, opts(ctx));
    const data: Record<string, QueueStatus> = {};
    // a queue deleted between the list and the read is left out
    for (const id of ids) {
      const entry = all[id];
      if (entry && entry !== 'unknown_queue') data[id] = entry.status;
    }
    sendSuccess(ctx, data);
  });

  router.get(`${base}/ensure_started`, async (ctx) => {
    const ids = await queueIds(ctx);
    const all = await rpc.queues.ensureStarted(account(ctx), ids, opts(ctx));
    const data: Record<string, { node: string; started: boolean }> = {};
    for (const id of ids) {
      const entry = all[id];
      if (entry && entry !== 'unknown_queue') data[id] = entry;
    }
    sendSuccess(ctx, data);
  });

  router.get(`${base}/:id/status`, async (ctx) => {
    const id = param(ctx, 'id');
    const entry = (await rpc.queues.status(account(ctx), [id], opts(ctx)))[id];
    if (!entry || entry === 'unknown_queue') throw failures.badIdentifier(id);
    sendSuccess(ctx, entry.status);
  });

  router.get(`${base}/:id/sessions`, async (ctx) => {
    const reply = await orBadIdentifier(ctx, rpc.queues.sessions(account(ctx), param(ctx, 'id'), opts(ctx)));
    sendSuccess(ctx, reply.sessions, { page_size: reply.sessions.length });
  });

  router.post(`${base}/:id/sessions/:session_id`, async (ctx) => {
    const { data } = validBody(validateQueueSessionActionBody, ctx.state.body);
    const p = principalOf(ctx);
    if (!isAdmin(p)) assertCanEditRoster(p, await rpc.callDirectory({ type: 'queue_roles_get', account_id: account(ctx), queue_id: param(ctx, 'id') }, callContextOf(ctx)));
    const sessionId = param(ctx, 'session_id');
    const action = data.action === 'assign' ? { action: 'assign' as const, recipientId: data.recipient_id as string } : { action: 'remove' as const };
    const by = callContextOf(ctx).by;
    const reply = await orBadIdentifier(
      ctx,
      rpc.queues.sessionAction(account(ctx), param(ctx, 'id'), sessionId, action, { ...opts(ctx), ...(by ? { by: { ...(by.user_id ? { user_id: by.user_id } : {}), ...(by.priv_level ? { priv_level: by.priv_level } : {}) } } : {}) }),
    );
    if (!reply.done) throw refusal(reply, sessionId);
    sendSuccess(ctx, reply);
  });
}

/** Why an action was not done, as the Crossbar error a client can act on. */
function refusal(reply: Extract<QueueSessionActionReply, { done: false }>, sessionId: string): QubicleFailure {
  switch (reply.reason) {
    case 'unknown_session':
      return failures.badIdentifier(sessionId);
    case 'not_a_member':
      return failures.invalidData({ recipient_id: { not_a_member: { message: 'The recipient is not on the queue\'s roster' } } });
    case 'session_ringing':
      return new QubicleFailure({ code: 'conflict', message: 'the caller is being offered to a recipient', cause: 'session_ringing' });
    case 'recipient_unavailable':
      return new QubicleFailure({ code: 'conflict', message: `the recipient cannot take the call${reply.offer_refusal ? ` (${reply.offer_refusal})` : ''}`, cause: 'recipient_unavailable' });
  }
}
