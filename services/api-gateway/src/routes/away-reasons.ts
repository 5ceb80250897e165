/**
 * /v2/accounts/:account_id/qubicle_away_reasons — the account's away-reason catalogue
 * (docs/state-machine.md, Away reasons), kept by the directory in the account document:
 *   GET    /          list (the built-in missed_calls first, then by name); any token of the account
 *   PUT    /          create → 201 (admin); 409 when the name exists
 *   GET    /:name     one entry
 *   POST   /:name     replace (admin)
 *   PATCH  /:name     merge (admin); null removes max_duration_seconds / on_max
 *   DELETE /:name     delete (admin); answers the deleted entry
 * The built-in entries cannot be changed or deleted (400, name.built_in).
 */
import type { Router } from '@koa/router';
import {
  awayReasonFieldsOf,
  validateAwayReasonCreateBody,
  validateAwayReasonPatchBody,
  validateAwayReasonUpdateBody,
  type AwayReasonWriteRequest,
} from '@qubicle/contracts';
import type { GatewayContext, GatewayState } from '../context.js';
import { assertAdmin } from '../auth/permissions.js';
import { failures } from '../crossbar/errors.js';
import { sendList, sendSuccess } from '../crossbar/respond.js';
import { callContextOf, param, principalOf, validBody, type RouteDeps } from './deps.js';

export const AWAY_REASONS = '/v2/accounts/:account_id/qubicle_away_reasons';

export function awayReasonRoutes(router: Router<GatewayState>, deps: RouteDeps): void {
  const { rpc } = deps;
  const write = async (ctx: GatewayContext, op: AwayReasonWriteRequest['op'], name: string, fields: AwayReasonWriteRequest['fields']) =>
    rpc.callDirectory({ type: 'away_reason_write', account_id: param(ctx, 'account_id'), op, name, fields }, callContextOf(ctx));

  router.get(AWAY_REASONS, async (ctx) => {
    sendList(ctx, await rpc.callDirectory({ type: 'away_reason_list', account_id: param(ctx, 'account_id') }, callContextOf(ctx)));
  });

  router.put(AWAY_REASONS, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const { data } = validBody(validateAwayReasonCreateBody, ctx.state.body);
    sendSuccess(ctx, await write(ctx, 'create', data.name, awayReasonFieldsOf(data)), { status: 201 });
  });

  router.get(`${AWAY_REASONS}/:reason_name`, async (ctx) => {
    const name = param(ctx, 'reason_name');
    const list = await rpc.callDirectory({ type: 'away_reason_list', account_id: param(ctx, 'account_id') }, callContextOf(ctx));
    const entry = list.find((e) => e.name === name);
    if (!entry) throw failures.badIdentifier(name);
    sendSuccess(ctx, entry);
  });

  router.post(`${AWAY_REASONS}/:reason_name`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const name = param(ctx, 'reason_name');
    const { data } = validBody(validateAwayReasonUpdateBody, ctx.state.body);
    if (data.name !== undefined && data.name !== name) {
      throw failures.invalidData({ name: { enum: { message: 'The name is the id: it must be the one in the path', cause: data.name, target: name } } });
    }
    // a replace: every optional field not given is removed
    sendSuccess(ctx, await write(ctx, 'update', name, { max_duration_seconds: null, on_max: null, ...awayReasonFieldsOf(data) }));
  });

  router.patch(`${AWAY_REASONS}/:reason_name`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const { data } = validBody(validateAwayReasonPatchBody, ctx.state.body);
    sendSuccess(ctx, await write(ctx, 'patch', param(ctx, 'reason_name'), awayReasonFieldsOf(data)));
  });

  router.delete(`${AWAY_REASONS}/:reason_name`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    sendSuccess(ctx, await rpc.callDirectory({ type: 'away_reason_delete', account_id: param(ctx, 'account_id'), name: param(ctx, 'reason_name') }, callContextOf(ctx)));
  });
}
