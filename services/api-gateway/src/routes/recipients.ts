/**
 * /v2/accounts/:account_id/qubicle_recipients — the seed API:
 *   GET    /                  list (directory recipient_list)
 *   POST   /status            bulk status query, or bulk set with "set_status": true (bulk-status.ts)
 *   GET    /:id               the recipient's users document (recipient_get), revision = its rev
 *   POST   /:id               actions: login | logout | wrapup_extend | wrapup_cancel | monitor | monitor_stop
 *   GET    /:id/status        status (get_status)
 *   POST   /:id/status        set status: login | logout | ready | away (+ queue_id for ready/away; + reason,
 *                              duration_seconds for away: a catalogue reason, a timed break)
 *   POST   /:id/enable|disable (Monster UI SDK updateEnable/updateDisable; admin)
 *   GET    /:id/sessions      finished login sessions, newest first, Crossbar paging (session_list)
 *   GET    /:id/summary       ?date=YYYY-MM-DD (UTC, default today): the day's time in each state, occupancy
 *   GET    /audit, /:id/audit the audit trail of state changes (routes/audit.ts)
 * Writes take If-Match (the status revision) and Idempotency-Key (routes/write-conditions.ts);
 * an admin, the recipient, or a manager of a queue they are on may write (routes/supervision.ts).
 */
import type { Router } from '@koa/router';
import {
  SESSION_PAGE_DEFAULT,
  SESSION_PAGE_MAX,
  SESSION_START_KEY_PATTERN,
  SUMMARY_DATE_PATTERN,
  validateRecipientActionBody,
  validateStatusSetBody,
  type ActionAck,
  type RecipientAction,
  type StatusSet,
  type StatusSetAck,
} from '@qubicle/contracts';
import type { GatewayContext, GatewayState } from '../context.js';
import { assertAdmin, assertCanReadSessions } from '../auth/permissions.js';
import { assertCanSupervise } from './supervision.js';
import { writeOptionsOf } from './write-conditions.js';
import { failures } from '../crossbar/errors.js';
import { sendList, sendSuccess, sendSuccessJson } from '../crossbar/respond.js';
import type { CommandInput } from '../rpc/messages.js';
import { bulkStatus } from './bulk-status.js';
import { callContextOf, param, principalOf, validBody, type RouteDeps } from './deps.js';
import { publicUserDoc } from './user-docs.js';
import { auditRoutes } from './audit.js';
import { pagingOf } from './paging.js';

export const RECIPIENTS = '/v2/accounts/:account_id/qubicle_recipients';

/** The command of each HTTP action. */
export function commandOfAction(a: RecipientAction): CommandInput {
  switch (a.action) {
    case 'monitor':
      return { type: 'monitor', target_id: a.target, mode: a.mode ?? 'eavesdrop' };
    default:
      return { type: a.action };
  }
}

/** The command of a status set: login/logout are their own commands, ready/away a set_status. */
export function commandOfStatus(s: StatusSet): CommandInput {
  if (s.status === 'login' || s.status === 'logout') return { type: s.status };
  // the schema allows reason and duration_seconds with away only (the worker checks the reason against the catalogue)
  return {
    type: 'set_status',
    status: s.status,
    ...(s.queue_id !== undefined ? { queue_id: s.queue_id } : {}),
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    ...(s.duration_seconds !== undefined ? { duration_seconds: s.duration_seconds } : {}),
  };
}

export function recipientRoutes(router: Router<GatewayState>, deps: RouteDeps): void {
  const { rpc } = deps;

  router.get(RECIPIENTS, async (ctx) => {
    const list = await rpc.callDirectory({ type: 'recipient_list', account_id: param(ctx, 'account_id') }, callContextOf(ctx));
    sendList(ctx, list.map((r) => ({ id: r.id, name: r.name })));
  });

  // before /:id, which would otherwise take "status" as an id
  router.post(`${RECIPIENTS}/status`, async (ctx) => bulkStatus(ctx, deps));
  // the audit trail (GET /audit before GET /:id, for the same reason)
  auditRoutes(router, deps, RECIPIENTS);

  router.get(`${RECIPIENTS}/:id`, async (ctx) => {
    const reply = await rpc.callDirectory(
      { type: 'recipient_get', account_id: param(ctx, 'account_id'), recipient_id: param(ctx, 'id') },
      callContextOf(ctx),
    );
    sendSuccess(ctx, publicUserDoc(reply.doc), { revision: reply.rev });
  });

  router.post(`${RECIPIENTS}/:id`, async (ctx) => {
    const id = param(ctx, 'id');
    await assertCanSupervise(ctx, deps, id);
    const { data } = validBody(validateRecipientActionBody, ctx.state.body);
    await rpc.callShard(param(ctx, 'account_id'), id, commandOfAction(data), callContextOf(ctx), writeOptionsOf(ctx, data));
    const ack: ActionAck = { action: data.action };
    sendSuccess(ctx, ack);
  });

  router.get(`${RECIPIENTS}/:id/status`, async (ctx) => {
    const accountId = param(ctx, 'account_id');
    const id = param(ctx, 'id');
    // the read model when it can answer (docs/performance.md); the reply of the RPC updates it
    const cached = deps.readModel?.getJson(accountId, id);
    if (cached !== undefined) return sendSuccessJson(ctx, cached);
    sendSuccess(ctx, await rpc.callShard(accountId, id, { type: 'get_status' }, callContextOf(ctx)));
  });

  router.post(`${RECIPIENTS}/:id/status`, async (ctx) => {
    const id = param(ctx, 'id');
    await assertCanSupervise(ctx, deps, id);
    const { data } = validBody(validateStatusSetBody, ctx.state.body);
    await rpc.callShard(param(ctx, 'account_id'), id, commandOfStatus(data), callContextOf(ctx), writeOptionsOf(ctx, data));
    const ack: StatusSetAck = data.queue_id !== undefined ? { status: data.status, queue_id: data.queue_id } : { status: data.status };
    sendSuccess(ctx, ack);
  });

  router.get(`${RECIPIENTS}/:id/sessions`, async (ctx) => {
    const id = param(ctx, 'id');
    assertCanReadSessions(principalOf(ctx), id);
    const { pageSize, startKey } = sessionPaging(ctx);
    const reply = await rpc.callDirectory(
      {
        type: 'session_list',
        account_id: param(ctx, 'account_id'),
        recipient_id: id,
        limit: pageSize,
        ...(startKey !== undefined ? { start_key: startKey } : {}),
      },
      callContextOf(ctx),
    );
    sendSuccess(ctx, reply.sessions, {
      page_size: reply.sessions.length,
      ...(startKey !== undefined ? { start_key: startKey } : {}),
      ...(reply.next_start_key !== undefined ? { next_start_key: reply.next_start_key } : {}),
    });
  });

  router.get(`${RECIPIENTS}/:id/summary`, async (ctx) => {
    const id = param(ctx, 'id');
    // the same rule as the session history it sums: admins any recipient, a plain user their own
    assertCanReadSessions(principalOf(ctx), id);
    const date = summaryDate(ctx, deps.clock());
    sendSuccess(ctx, await rpc.callDirectory({ type: 'recipient_summary', account_id: param(ctx, 'account_id'), recipient_id: id, date }, callContextOf(ctx)));
  });

  const setEnabled = (enabled: boolean) => async (ctx: GatewayContext) => {
    assertAdmin(principalOf(ctx));
    const reply = await rpc.callDirectory(
      { type: 'recipient_set_enabled', account_id: param(ctx, 'account_id'), recipient_id: param(ctx, 'id'), enabled },
      callContextOf(ctx),
    );
    sendSuccess(ctx, publicUserDoc(reply.doc), { revision: reply.rev });
  };
  router.post(`${RECIPIENTS}/:id/enable`, setEnabled(true));
  router.post(`${RECIPIENTS}/:id/disable`, setEnabled(false));
}

/** ?page_size= (1..100, default 50) and ?start_key= (a next_start_key from an earlier page). */
export function sessionPaging(ctx: GatewayContext): { pageSize: number; startKey?: string } {
  return pagingOf(ctx, { pageDefault: SESSION_PAGE_DEFAULT, pageMax: SESSION_PAGE_MAX, startKeyPattern: SESSION_START_KEY_PATTERN });
}

const DATE_RE = new RegExp(SUMMARY_DATE_PATTERN);

/** ?date=YYYY-MM-DD (a UTC day), today (UTC) when absent. */
export function summaryDate(ctx: GatewayContext, now: number): string {
  const raw = ctx.query['date'];
  if (raw === undefined) return new Date(now).toISOString().slice(0, 10);
  const date = Array.isArray(raw) ? raw[0] : raw;
  if (date === undefined || !DATE_RE.test(date)) {
    throw failures.invalidData({ date: { pattern: { message: 'date must be a day as YYYY-MM-DD (UTC)', cause: date ?? '' } } });
  }
  return date;
}
