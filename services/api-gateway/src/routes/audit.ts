/**
 * The audit trail of recipients' state changes (who, what, why, when: docs/state-machine.md, Audit):
 *   GET …/qubicle_recipients/audit       the account's, newest first (admins only)
 *   GET …/qubicle_recipients/{id}/audit  one recipient's (an admin, or the recipient themselves)
 * Paged like the session history (page_size, start_key → next_start_key); filtered by
 * ?created_from= / ?created_to= (unix seconds, inclusive) and ?actor=<kind>:<id> (user:<user id>,
 * timer:wrapup, policy:missed_calls, bus:<service>…).
 */
import type { Router } from '@koa/router';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, AUDIT_START_KEY_PATTERN, CHANGE_ACTOR_PATTERN, parseChangeActor, type AuditListRequest } from '@qubicle/contracts';
import type { GatewayContext, GatewayState } from '../context.js';
import { assertAdmin } from '../auth/permissions.js';
import { canActOnRecipient } from '../auth/permissions.js';
import { failures } from '../crossbar/errors.js';
import { sendSuccess } from '../crossbar/respond.js';
import { callContextOf, param, principalOf, type RouteDeps } from './deps.js';
import { pagingOf, queryValue } from './paging.js';

export function auditRoutes(router: Router<GatewayState>, deps: RouteDeps, base: string): void {
  const list = async (ctx: GatewayContext, recipientId?: string) => {
    const { pageSize, startKey } = pagingOf(ctx, { pageDefault: AUDIT_PAGE_DEFAULT, pageMax: AUDIT_PAGE_MAX, startKeyPattern: AUDIT_START_KEY_PATTERN });
    const filters = auditFilters(ctx);
    const request: AuditListRequest = {
      type: 'audit_list',
      account_id: param(ctx, 'account_id'),
      limit: pageSize,
      ...(recipientId !== undefined ? { recipient_id: recipientId } : {}),
      ...filters,
      ...(startKey !== undefined ? { start_key: startKey } : {}),
    };
    const reply = await deps.rpc.callDirectory(request, callContextOf(ctx));
    sendSuccess(ctx, reply.entries, {
      page_size: reply.entries.length,
      ...(startKey !== undefined ? { start_key: startKey } : {}),
      ...(reply.next_start_key !== undefined ? { next_start_key: reply.next_start_key } : {}),
    });
  };

  router.get(`${base}/audit`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    await list(ctx);
  });

  router.get(`${base}/:id/audit`, async (ctx) => {
    const id = param(ctx, 'id');
    if (!canActOnRecipient(principalOf(ctx), id)) throw failures.forbidden('a user may only read their own audit trail');
    await list(ctx, id);
  });
}

const SECONDS_RE = /^\d{1,11}$/;

/** ?created_from, ?created_to (unix seconds) and ?actor (<kind>:<id>), validated: 400 naming the parameter and the rule. */
function auditFilters(ctx: GatewayContext): Pick<AuditListRequest, 'created_from' | 'created_to' | 'actor'> {
  const out: Pick<AuditListRequest, 'created_from' | 'created_to' | 'actor'> = {};
  for (const name of ['created_from', 'created_to'] as const) {
    const text = queryValue(ctx, name);
    if (text === undefined) continue;
    if (!SECONDS_RE.test(text)) {
      throw failures.invalidData({ [name]: { type: { message: 'Value must be unix seconds (a whole number)', cause: text.slice(0, 16), target: 'integer' } } });
    }
    out[name] = Number(text);
  }
  if (out.created_from !== undefined && out.created_to !== undefined && out.created_from > out.created_to) {
    throw failures.invalidData({ created_to: { minimum: { message: 'created_to must not be before created_from', cause: out.created_to, target: out.created_from } } });
  }
  const actor = queryValue(ctx, 'actor');
  if (actor !== undefined) {
    const parsed = parseChangeActor(actor);
    if (!parsed) throw failures.invalidData({ actor: { pattern: { message: `actor must be <kind>:<id> (${CHANGE_ACTOR_PATTERN})`, cause: actor.slice(0, 64) } } });
    out.actor = parsed;
  }
  return out;
}
