/**
 * /v2/accounts/:account_id/users — KAZOO users documents (a recipient is a user with
 * qubicle.enabled). Reads: any token of the account. Create/delete: admin. Update/patch:
 * admin, or the user on their own document without raising priv_level/enabled/qubicle.
 * `password` is accepted on writes and never returned.
 *
 *   GET    /             user_list (page_size, revision)
 *   PUT    /             user_create → 201
 *   GET    /:user_id     user_get (revision = rev)
 *   POST   /:user_id     user_update (replace); optimistic lock from If-Match or ?rev=
 *   PATCH  /:user_id     user_patch (merge)
 *   DELETE /:user_id     user_delete (answers the deleted document)
 */
import type { Router } from '@koa/router';
import {
  validateUserPatchBody,
  validateUserWriteBody,
  type UserDocReply,
  type UserWrite,
} from '@qubicle/contracts';
import type { GatewayContext, GatewayState } from '../context.js';
import { isAdmin } from '../auth/principal.js';
import { assertAdmin, assertCanWriteUser, assertNoPrivilegeRaise, keepGuardedFields } from '../auth/permissions.js';
import { failures } from '../crossbar/errors.js';
import { sendList, sendSuccess } from '../crossbar/respond.js';
import { callContextOf, param, principalOf, validBody, type RouteDeps } from './deps.js';
import { publicUserDoc, writableUserData } from './user-docs.js';
import { ifMatchOf } from './write-conditions.js';

export const USERS = '/v2/accounts/:account_id/users';
const MAX_REV_LENGTH = 80;

export function userRoutes(router: Router<GatewayState>, deps: RouteDeps): void {
  const { rpc } = deps;

  const sendDoc = (ctx: GatewayContext, reply: UserDocReply, status = 200) =>
    sendSuccess(ctx, publicUserDoc(reply.doc), { revision: reply.rev, status });

  /** The body with its data made writable (see writableUserData), for the contract validators. */
  const writeBody = (ctx: GatewayContext, userId?: string): unknown => {
    const body = ctx.state.body;
    if (typeof body !== 'object' || body === null || !('data' in body)) return body;
    const ids = userId !== undefined ? { accountId: param(ctx, 'account_id'), userId } : { accountId: param(ctx, 'account_id') };
    return { ...body, data: writableUserData((body as { data: unknown }).data, ids) };
  };

  /** The current document, when a plain user writes their own. */
  const currentDoc = (ctx: GatewayContext, userId: string) =>
    rpc.callDirectory({ type: 'user_get', account_id: param(ctx, 'account_id'), user_id: userId }, callContextOf(ctx));

  router.get(USERS, async (ctx) => {
    const list = await rpc.callDirectory({ type: 'user_list', account_id: param(ctx, 'account_id') }, callContextOf(ctx));
    sendList(ctx, list.map((u) => publicUserDoc(u)));
  });

  router.put(USERS, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const { data } = validBody(validateUserWriteBody, writeBody(ctx));
    const reply = await rpc.callDirectory({ type: 'user_create', account_id: param(ctx, 'account_id'), user: data }, callContextOf(ctx));
    sendDoc(ctx, reply, 201);
  });

  router.get(`${USERS}/:user_id`, async (ctx) => {
    const reply = await rpc.callDirectory(
      { type: 'user_get', account_id: param(ctx, 'account_id'), user_id: param(ctx, 'user_id') },
      callContextOf(ctx),
    );
    sendDoc(ctx, reply);
  });

  router.post(`${USERS}/:user_id`, async (ctx) => {
    const p = principalOf(ctx);
    const userId = param(ctx, 'user_id');
    assertCanWriteUser(p, userId);
    const { data } = validBody(validateUserWriteBody, writeBody(ctx, userId));
    const rev = revOf(ctx);
    let user: UserWrite = data;
    if (!isAdmin(p)) {
      const current = await currentDoc(ctx, userId);
      assertNoPrivilegeRaise(current.doc, data);
      user = keepGuardedFields(current.doc, data);
    }
    const reply = await rpc.callDirectory(
      { type: 'user_update', account_id: param(ctx, 'account_id'), user_id: userId, user, ...(rev !== undefined ? { rev } : {}) },
      callContextOf(ctx),
    );
    sendDoc(ctx, reply);
  });

  router.patch(`${USERS}/:user_id`, async (ctx) => {
    const p = principalOf(ctx);
    const userId = param(ctx, 'user_id');
    assertCanWriteUser(p, userId);
    const { data } = validBody(validateUserPatchBody, writeBody(ctx, userId));
    if (!isAdmin(p)) assertNoPrivilegeRaise((await currentDoc(ctx, userId)).doc, data);
    const reply = await rpc.callDirectory(
      { type: 'user_patch', account_id: param(ctx, 'account_id'), user_id: userId, patch: data },
      callContextOf(ctx),
    );
    sendDoc(ctx, reply);
  });

  router.delete(`${USERS}/:user_id`, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const reply = await rpc.callDirectory(
      { type: 'user_delete', account_id: param(ctx, 'account_id'), user_id: param(ctx, 'user_id') },
      callContextOf(ctx),
    );
    sendDoc(ctx, reply);
  });
}

/** The revision a replace must match: If-Match (quotes and W/ stripped), else ?rev= (queues.ts uses it too). */
export function revOf(ctx: GatewayContext): string | undefined {
  const query = ctx.query['rev'];
  let rev = ifMatchOf(ctx);
  if (rev === undefined && typeof query === 'string' && query !== '') rev = query;
  if (rev !== undefined && rev.length > MAX_REV_LENGTH) {
    throw failures.invalidData({
      rev: { maxLength: { message: `String must not be more than ${MAX_REV_LENGTH} characters`, cause: rev.slice(0, 16), target: MAX_REV_LENGTH } },
    });
  }
  return rev;
}
