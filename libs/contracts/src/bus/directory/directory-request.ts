import { unionValidator, type Validation, unionSchemaOf } from '../../schema.js';
import { replyValidators, validateReplyOf } from '../reply-validation.js';
import type { AccountView } from './account-get.js';
import type { AuthIdentity } from './auth-user.js';
import type { ClusterInfo } from './cluster-info.js';
import type { ClusterView } from './cluster-view.js';
import type { SessionListReply } from './session-list.js';
import { auditListReplySchema, auditListRequestSchema, type AuditListReply, type AuditListRequest } from './audit-list.js';
import type { TokenCheck } from './token-check.js';
import type { TokenRevoked } from './token-revoke.js';
import type { UserDocReply } from './user-doc-reply.js';
import type { UserListItem } from './user-list.js';
import type { RecipientListItem } from '../../http/responses/recipient-list.js';
import { accountFindReplySchema, accountFindRequestSchema, type AccountFindRequest } from './account-find.js';
import { accountGetReplySchema, accountGetRequestSchema, type AccountGetRequest } from './account-get.js';
import { authApiReplySchema, authApiRequestSchema, type AuthApiRequest } from './auth-api.js';
import { authUserReplySchema, authUserRequestSchema, type AuthUserRequest } from './auth-user.js';
import { clusterInfoReplySchema, clusterInfoRequestSchema, type ClusterInfoRequest } from './cluster-info.js';
import { clusterViewReplySchema, clusterViewRequestSchema, type ClusterViewRequest } from './cluster-view.js';
import { recipientGetReplySchema, recipientGetRequestSchema, type RecipientGetRequest } from './recipient-get.js';
import { recipientListReplySchema, recipientListRequestSchema, type RecipientListRequest } from './recipient-list.js';
import { recipientSetEnabledReplySchema, recipientSetEnabledRequestSchema, type RecipientSetEnabledRequest } from './recipient-set-enabled.js';
import { sessionListReplySchema, sessionListRequestSchema, type SessionListRequest } from './session-list.js';
import { tokenCheckReplySchema, tokenCheckRequestSchema, type TokenCheckRequest } from './token-check.js';
import { tokenRevokeReplySchema, tokenRevokeRequestSchema, type TokenRevokeRequest } from './token-revoke.js';
import { userCreateReplySchema, userCreateRequestSchema, type UserCreateRequest } from './user-create.js';
import { userDeleteReplySchema, userDeleteRequestSchema, type UserDeleteRequest } from './user-delete.js';
import { userGetReplySchema, userGetRequestSchema, type UserGetRequest } from './user-get.js';
import { userListReplySchema, userListRequestSchema, type UserListRequest } from './user-list.js';
import { userPatchReplySchema, userPatchRequestSchema, type UserPatchRequest } from './user-patch.js';
import { userUpdateReplySchema, userUpdateRequestSchema, type UserUpdateRequest } from './user-update.js';
import { queueListReplySchema, queueListRequestSchema, type QueueListReply, type QueueListRequest } from './queue-list.js';
import { queueGetReplySchema, queueGetRequestSchema, type QueueGetReply, type QueueGetRequest } from './queue-get.js';
import { queueCreateReplySchema, queueCreateRequestSchema, type QueueCreateReply, type QueueCreateRequest } from './queue-create.js';
import { queueUpdateReplySchema, queueUpdateRequestSchema, type QueueUpdateReply, type QueueUpdateRequest } from './queue-update.js';
import { queuePatchReplySchema, queuePatchRequestSchema, type QueuePatchReply, type QueuePatchRequest } from './queue-patch.js';
import { queueDeleteReplySchema, queueDeleteRequestSchema, type QueueDeleteReply, type QueueDeleteRequest } from './queue-delete.js';
import { queueRosterGetReplySchema, queueRosterGetRequestSchema, type QueueRosterGetReply, type QueueRosterGetRequest } from './queue-roster-get.js';
import { queueRosterSetReplySchema, queueRosterSetRequestSchema, type QueueRosterSetReply, type QueueRosterSetRequest } from './queue-roster-set.js';
import { queueRosterClearReplySchema, queueRosterClearRequestSchema, type QueueRosterClearReply, type QueueRosterClearRequest } from './queue-roster-clear.js';
import { queueRosterAllReplySchema, queueRosterAllRequestSchema, type QueueRosterAllReply, type QueueRosterAllRequest } from './queue-roster-all.js';
import { queueMembershipReplySchema, queueMembershipRequestSchema, type QueueMembershipReply, type QueueMembershipRequest } from './queue-membership.js';
import { queueRolesGetReplySchema, queueRolesGetRequestSchema, type QueueRolesGetReply, type QueueRolesGetRequest } from './queue-roles-get.js';
import { awayReasonListReplySchema, awayReasonListRequestSchema, type AwayReasonListReply, type AwayReasonListRequest } from './away-reason-list.js';
import { awayReasonWriteReplySchema, awayReasonWriteRequestSchema, type AwayReasonWriteReply, type AwayReasonWriteRequest } from './away-reason-write.js';
import { awayReasonDeleteReplySchema, awayReasonDeleteRequestSchema, type AwayReasonDeleteReply, type AwayReasonDeleteRequest } from './away-reason-delete.js';
import { recipientSummaryReplySchema, recipientSummaryRequestSchema, type RecipientSummary, type RecipientSummaryRequest } from './recipient-summary.js';
import { queueRolesSetReplySchema, queueRolesSetRequestSchema, type QueueRolesSetReply, type QueueRolesSetRequest } from './queue-roles-set.js';

export type DirectoryRequest =
  | AuthUserRequest
  | AuthApiRequest
  | AccountGetRequest
  | UserListRequest
  | UserGetRequest
  | UserCreateRequest
  | UserUpdateRequest
  | UserPatchRequest
  | UserDeleteRequest
  | RecipientListRequest
  | RecipientGetRequest
  | RecipientSetEnabledRequest
  | ClusterInfoRequest
  | ClusterViewRequest
  | SessionListRequest
  | AuditListRequest
  | AccountFindRequest
  | TokenCheckRequest
  | TokenRevokeRequest
  | QueueListRequest
  | QueueGetRequest
  | QueueCreateRequest
  | QueueUpdateRequest
  | QueuePatchRequest
  | QueueDeleteRequest
  | QueueRosterGetRequest
  | QueueRosterSetRequest
  | QueueRosterClearRequest
  | QueueRosterAllRequest
  | QueueMembershipRequest
  | QueueRolesGetRequest
  | QueueRolesSetRequest
  | AwayReasonListRequest
  | AwayReasonWriteRequest
  | AwayReasonDeleteRequest
  | RecipientSummaryRequest;

export type DirectoryRequestType = DirectoryRequest['type'];

export const DIRECTORY_SCHEMAS: Record<DirectoryRequestType, object> = {
  auth_user: authUserRequestSchema,
  auth_api: authApiRequestSchema,
  account_get: accountGetRequestSchema,
  user_list: userListRequestSchema,
  user_get: userGetRequestSchema,
  user_create: userCreateRequestSchema,
  user_update: userUpdateRequestSchema,
  user_patch: userPatchRequestSchema,
  user_delete: userDeleteRequestSchema,
  recipient_list: recipientListRequestSchema,
  recipient_get: recipientGetRequestSchema,
  recipient_set_enabled: recipientSetEnabledRequestSchema,
  cluster_info: clusterInfoRequestSchema,
  cluster_view: clusterViewRequestSchema,
  session_list: sessionListRequestSchema,
  audit_list: auditListRequestSchema,
  account_find: accountFindRequestSchema,
  token_check: tokenCheckRequestSchema,
  token_revoke: tokenRevokeRequestSchema,
  queue_list: queueListRequestSchema,
  queue_get: queueGetRequestSchema,
  queue_create: queueCreateRequestSchema,
  queue_update: queueUpdateRequestSchema,
  queue_patch: queuePatchRequestSchema,
  queue_delete: queueDeleteRequestSchema,
  queue_roster_get: queueRosterGetRequestSchema,
  queue_roster_set: queueRosterSetRequestSchema,
  queue_roster_clear: queueRosterClearRequestSchema,
  queue_roster_all: queueRosterAllRequestSchema,
  queue_membership: queueMembershipRequestSchema,
  queue_roles_get: queueRolesGetRequestSchema,
  queue_roles_set: queueRolesSetRequestSchema,
  away_reason_list: awayReasonListRequestSchema,
  away_reason_write: awayReasonWriteRequestSchema,
  away_reason_delete: awayReasonDeleteRequestSchema,
  recipient_summary: recipientSummaryRequestSchema,
};

export const DIRECTORY_REQUEST_TYPES = Object.keys(DIRECTORY_SCHEMAS) as DirectoryRequestType[];

export const directoryRequestSchema = unionSchemaOf(DIRECTORY_SCHEMAS);

export const validateDirectoryRequest = unionValidator<DirectoryRequest>(directoryRequestSchema, DIRECTORY_SCHEMAS);

/** Reply data of each directory request (each request's file holds its reply type and schema). */
export interface DirectoryReplies {
  auth_user: AuthIdentity;
  auth_api: AuthIdentity;
  account_get: AccountView;
  user_list: UserListItem[];
  user_get: UserDocReply;
  user_create: UserDocReply;
  user_update: UserDocReply;
  user_patch: UserDocReply;
  user_delete: UserDocReply;
  recipient_list: RecipientListItem[];
  recipient_get: UserDocReply;
  recipient_set_enabled: UserDocReply;
  cluster_info: ClusterInfo;
  cluster_view: ClusterView;
  session_list: SessionListReply;
  audit_list: AuditListReply;
  account_find: AccountView;
  token_check: TokenCheck;
  token_revoke: TokenRevoked;
  queue_list: QueueListReply;
  queue_get: QueueGetReply;
  queue_create: QueueCreateReply;
  queue_update: QueueUpdateReply;
  queue_patch: QueuePatchReply;
  queue_delete: QueueDeleteReply;
  queue_roster_get: QueueRosterGetReply;
  queue_roster_set: QueueRosterSetReply;
  queue_roster_clear: QueueRosterClearReply;
  queue_roster_all: QueueRosterAllReply;
  queue_membership: QueueMembershipReply;
  queue_roles_get: QueueRolesGetReply;
  queue_roles_set: QueueRolesSetReply;
  away_reason_list: AwayReasonListReply;
  away_reason_write: AwayReasonWriteReply;
  away_reason_delete: AwayReasonDeleteReply;
  recipient_summary: RecipientSummary;
}

export type DirectoryReplyOf<R extends { type: DirectoryRequestType }> = DirectoryReplies[R['type']];

/** Reply schema of each directory request: a client validates the `data` of an ok reply with it. */
export const DIRECTORY_REPLY_SCHEMAS: Record<DirectoryRequestType, object> = {
  auth_user: authUserReplySchema,
  auth_api: authApiReplySchema,
  account_get: accountGetReplySchema,
  user_list: userListReplySchema,
  user_get: userGetReplySchema,
  user_create: userCreateReplySchema,
  user_update: userUpdateReplySchema,
  user_patch: userPatchReplySchema,
  user_delete: userDeleteReplySchema,
  recipient_list: recipientListReplySchema,
  recipient_get: recipientGetReplySchema,
  recipient_set_enabled: recipientSetEnabledReplySchema,
  cluster_info: clusterInfoReplySchema,
  cluster_view: clusterViewReplySchema,
  session_list: sessionListReplySchema,
  audit_list: auditListReplySchema,
  account_find: accountFindReplySchema,
  token_check: tokenCheckReplySchema,
  token_revoke: tokenRevokeReplySchema,
  queue_list: queueListReplySchema,
  queue_get: queueGetReplySchema,
  queue_create: queueCreateReplySchema,
  queue_update: queueUpdateReplySchema,
  queue_patch: queuePatchReplySchema,
  queue_delete: queueDeleteReplySchema,
  queue_roster_get: queueRosterGetReplySchema,
  queue_roster_set: queueRosterSetReplySchema,
  queue_roster_clear: queueRosterClearReplySchema,
  queue_roster_all: queueRosterAllReplySchema,
  queue_membership: queueMembershipReplySchema,
  queue_roles_get: queueRolesGetReplySchema,
  queue_roles_set: queueRolesSetReplySchema,
  away_reason_list: awayReasonListReplySchema,
  away_reason_write: awayReasonWriteReplySchema,
  away_reason_delete: awayReasonDeleteReplySchema,
  recipient_summary: recipientSummaryReplySchema,
};

const directoryReplyValidators = replyValidators(DIRECTORY_REPLY_SCHEMAS);

/** The `data` of an ok reply to a directory request of type `type`, checked against its reply schema. */
export function validateDirectoryReply<T extends DirectoryRequestType>(type: T, data: unknown): Validation<DirectoryReplies[T]>;
export function validateDirectoryReply(type: string, data: unknown): Validation<unknown>;
export function validateDirectoryReply(type: string, data: unknown): Validation<unknown> {
  return validateReplyOf(directoryReplyValidators, type, data);
}
