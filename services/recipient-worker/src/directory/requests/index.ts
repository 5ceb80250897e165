/** Routing table of the directory queue: request type → handler (one file per request type). */
import type { DirectoryRequest, DirectoryRequestType } from '@qubicle/contracts';
import type { DirectoryContext } from '../types.js';
import { accountFind } from './account-find.js';
import { accountGet } from './account-get.js';
import { authApi } from './auth-api.js';
import { authUser } from './auth-user.js';
import { awayReasonDelete } from './away-reason-delete.js';
import { awayReasonList } from './away-reason-list.js';
import { awayReasonWrite } from './away-reason-write.js';
import { clusterInfo } from './cluster-info.js';
import { clusterView } from './cluster-view.js';
import { queueList } from './queue-list.js';
import { queueGet } from './queue-get.js';
import { queueCreate } from './queue-create.js';
import { queueUpdate } from './queue-update.js';
import { queuePatch } from './queue-patch.js';
import { queueDelete } from './queue-delete.js';
import { queueRosterGet } from './queue-roster-get.js';
import { queueRosterSet } from './queue-roster-set.js';
import { queueRosterClear } from './queue-roster-clear.js';
import { queueRosterAll } from './queue-roster-all.js';
import { queueMembership } from './queue-membership.js';
import { queueRolesGet } from './queue-roles-get.js';
import { queueRolesSet } from './queue-roles-set.js';
import { recipientGet } from './recipient-get.js';
import { recipientList } from './recipient-list.js';
import { recipientSetEnabled } from './recipient-set-enabled.js';
import { recipientSummary } from './recipient-summary.js';
import { sessionList } from './session-list.js';
import { auditList } from './audit-list.js';
import { tokenCheck } from './token-check.js';
import { tokenRevoke } from './token-revoke.js';
import { userCreate } from './user-create.js';
import { userDelete } from './user-delete.js';
import { userGet } from './user-get.js';
import { userList } from './user-list.js';
import { userPatch } from './user-patch.js';
import { userUpdate } from './user-update.js';

export type DirectoryRoute<T extends DirectoryRequestType> = (
  req: Extract<DirectoryRequest, { type: T }>,
  ctx: DirectoryContext,
) => Promise<unknown>;

/** Every request type has exactly one handler (the mapped type makes a missing one a compile error). */
export const DIRECTORY_ROUTES: { [T in DirectoryRequestType]: DirectoryRoute<T> } = {
  auth_user: authUser,
  auth_api: authApi,
  account_get: accountGet,
  user_list: userList,
  user_get: userGet,
  user_create: userCreate,
  user_update: userUpdate,
  user_patch: userPatch,
  user_delete: userDelete,
  recipient_list: recipientList,
  recipient_get: recipientGet,
  recipient_set_enabled: recipientSetEnabled,
  cluster_info: clusterInfo,
  cluster_view: clusterView,
  session_list: sessionList,
  audit_list: auditList,
  account_find: accountFind,
  token_check: tokenCheck,
  token_revoke: tokenRevoke,
  queue_list: queueList,
  queue_get: queueGet,
  queue_create: queueCreate,
  queue_update: queueUpdate,
  queue_patch: queuePatch,
  queue_delete: queueDelete,
  queue_roster_get: queueRosterGet,
  queue_roster_set: queueRosterSet,
  queue_roster_clear: queueRosterClear,
  queue_roster_all: queueRosterAll,
  queue_membership: queueMembership,
  queue_roles_get: queueRolesGet,
  queue_roles_set: queueRolesSet,
  away_reason_list: awayReasonList,
  away_reason_write: awayReasonWrite,
  away_reason_delete: awayReasonDelete,
  recipient_summary: recipientSummary,
};
