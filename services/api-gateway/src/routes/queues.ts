/**
 * /v2/accounts/:account_id/qubicle_queues — the queue documents (queues.md §1), their rosters
 * and per-queue roles, served by the directory (the worker's store) like the users documents:
 *   GET    /                 list [{id, name}] (page_size, revision)
 *   PUT    /                 create → 201 (admin)
 *   GET    /recipients       every queue's roster {queue_id: [recipient ids]} (SDK listAllRecipients)
 *   GET    /:id              the document, current field names (revision = its rev)
 *   POST   /:id              replace (admin); older field names accepted; If-Match / ?rev= → 409 if stale
 *   PATCH  /:id              merge (admin); null clears an optional field
 *   DELETE /:id              delete, with its roster and roles (admin); answers the deleted document
 *   GET    /:id/recipients   the roster [recipient ids] (SDK listRecipients)
 *   POST   /:id/recipients   set the roster (admin or a manager of the queue; SDK updateRecipients)
 *   DELETE /:id/recipients   clear the roster (admin or a manager; SDK deleteRecipients)
 *   POST   /:id/roles        set the roles {managers: [user ids]} (admin; SDK updateRoles)
 * and POST /v2/accounts/:account_id/qubicle_recipients/queue_membership: recipients → their queues.
 *
 * The routes that ask the running queues (GET /status, GET /ensure_started, GET /:id/status,
 * GET /:id/sessions, POST /:id/sessions/:session_id) are in queue-process.ts.
 */
import type { Router } from '@koa/router';
import {
  rosterIdsOf,
  validateQueueMembershipQueryBody,
  validateQueuePatchBody,
  validateQueueRolesSetBody,
  validateQueueRosterSetBody,
  validateQueueWriteBody,
  type QueueDocReply,
  type Validation,
} from '@qubicle/contracts';
import type { GatewayContext, GatewayState } from '../context.js';
import { isAdmin } from '../auth/principal.js';
import { assertAdmin, assertCanEditRoster } from '../auth/permissions.js';
import { failures } from '../crossbar/errors.js';
import { sendList, sendSuccess } from '../crossbar/respond.js';
import { RECIPIENTS } from './recipients.js';
import { revOf } from './users.js';
import { callContextOf, param, principalOf, validBody, type RouteDeps } from './deps.js';
import { queueProcessRoutes } from './queue-process.js';

export const QUEUES = '/v2/accounts/:account_id/qubicle_queues';

export function queueRoutes(router: Router<GatewayState>, deps: RouteDeps): void {
  const { rpc } = deps;
  const ids = (ctx: GatewayContext) => ({ account_id: param(ctx, 'account_id'), queue_id: param(ctx, 'id') });
  const sendDoc = (ctx: GatewayContext, reply: QueueDocReply, status = 200) => sendSuccess(ctx, reply.doc, { revision: reply.rev, status });
  const body = (ctx: GatewayContext) => ctx.state.body;

  /** A non-admin may edit a roster only as a manager of that queue (its roles, read first). */
  const assertRosterEditor = async (ctx: GatewayContext) => {
    const p = principalOf(ctx);
    if (isAdmin(p)) return;
    assertCanEditRoster(p, await rpc.callDirectory({ type: 'queue_roles_get', ...ids(ctx) }, callContextOf(ctx)));
  };

  router.get(QUEUES, async (ctx) => {
    sendList(ctx, await rpc.callDirectory({ type: 'queue_list', account_id: param(ctx, 'account_id') }, callContextOf(ctx)));
  });

  router.put(QUEUES, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const { data } = valid(validateQueueWriteBody(body(ctx) ?? {}, { account_id: param(ctx, 'account_id') }));
    sendDoc(ctx, await rpc.callDirectory({ type: 'queue_create', account_id: param(ctx, 'account_id'), queue: data }, callContextOf(ctx)), 201);
  });

  // before /:id, which would otherwise take "recipients" as an id
  router.get(`${QUEUES}/recipients`, async (ctx) => {
    sendSuccess(ctx, await rpc.callDirectory({ type: 'queue_roster_all', account_id: param(ctx, 'account_id') }, callContextOf(ctx)));
  });

  // status, ensure_started and the per-queue process routes: before /:id (queue-process.ts)
  queueProcessRoutes(router, QUEUES, deps);

  router.get(`${QUEUES}/:id`, async (ctx) => {
    sendDoc(ctx, await rpc.callDirectory({ type: 'queue_get', ...ids(ctx) }, callContextOf(ctx)));
  });

  router.post(`${QUEUES}/:id`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const { data } = valid(validateQueueWriteBody(body(ctx) ?? {}, ids(ctx)));
    const rev = revOf(ctx);
    sendDoc(ctx, await rpc.callDirectory({ type: 'queue_update', ...ids(ctx), queue: data, ...(rev !== undefined ? { rev } : {}) }, callContextOf(ctx)));
  });

  router.patch(`${QUEUES}/:id`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    // validated here against the current document for an answer that names every bad field; the
    // worker applies the same patch to the document it reads (a write in between is not lost)
    const current = await rpc.callDirectory({ type: 'queue_get', ...ids(ctx) }, callContextOf(ctx));
    const { id: _id, ...fields } = current.doc;
    valid(validateQueuePatchBody(fields, body(ctx) ?? {}, ids(ctx)));
    const patch = (body(ctx) as { data: Record<string, unknown> }).data;
    sendDoc(ctx, await rpc.callDirectory({ type: 'queue_patch', ...ids(ctx), patch }, callContextOf(ctx)));
  });

  router.delete(`${QUEUES}/:id`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    sendDoc(ctx, await rpc.callDirectory({ type: 'queue_delete', ...ids(ctx) }, callContextOf(ctx)));
  });

  router.get(`${QUEUES}/:id/recipients`, async (ctx) => {
    const reply = await rpc.callDirectory({ type: 'queue_roster_get', ...ids(ctx) }, callContextOf(ctx));
    sendSuccess(ctx, reply.recipients, { page_size: reply.recipients.length });
  });

  router.post(`${QUEUES}/:id/recipients`, async (ctx) => {
    const { data } = validBody(validateQueueRosterSetBody, body(ctx));
    await assertRosterEditor(ctx);
    const reply = await rpc.callDirectory({ type: 'queue_roster_set', ...ids(ctx), recipients: rosterIdsOf(data) }, callContextOf(ctx));
    sendSuccess(ctx, reply.recipients, { page_size: reply.recipients.length });
  });

  router.delete(`${QUEUES}/:id/recipients`, async (ctx) => {
    await assertRosterEditor(ctx);
    const reply = await rpc.callDirectory({ type: 'queue_roster_clear', ...ids(ctx) }, callContextOf(ctx));
    sendSuccess(ctx, reply.recipients, { page_size: 0 });
  });

  router.post(`${QUEUES}/:id/roles`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const { data } = validBody(validateQueueRolesSetBody, body(ctx));
    sendSuccess(ctx, await rpc.callDirectory({ type: 'queue_roles_set', ...ids(ctx), roles: { managers: data.managers } }, callContextOf(ctx)));
  });

  router.post(`${RECIPIENTS}/queue_membership`, async (ctx) => {
    const { data } = validBody(validateQueueMembershipQueryBody, body(ctx));
    const request = { type: 'queue_membership' as const, account_id: param(ctx, 'account_id'), ...(data.recipient_ids ? { recipient_ids: data.recipient_ids } : {}) };
    sendSuccess(ctx, await rpc.callDirectory(request, callContextOf(ctx)));
  });
}

/** A validation that takes more than the body (the ids, the stored document): 400 invalid data with its details. */
function valid<T>(v: Validation<T>): T {
  if (!v.ok) throw failures.invalidData(v.details);
  return v.value;
}
