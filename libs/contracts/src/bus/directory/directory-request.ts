import { validator } from '../../schema.js';
import { accountFindRequestSchema, type AccountFindRequest } from './account-find.js';
import { accountGetRequestSchema, type AccountGetRequest } from './account-get.js';
import { authApiRequestSchema, type AuthApiRequest } from './auth-api.js';
import { authUserRequestSchema, type AuthUserRequest } from './auth-user.js';
import { clusterInfoRequestSchema, type ClusterInfoRequest } from './cluster-info.js';
import { clusterViewRequestSchema, type ClusterViewRequest } from './cluster-view.js';
import { queueListRequestSchema, type QueueListRequest } from './queue-list.js';
import { queueGetRequestSchema, type QueueGetRequest } from './queue-get.js';
import { queueCreateRequestSchema, type QueueCreateRequest } from './queue-create.js';
import { queueUpdateRequestSchema, type QueueUpdateRequest } from './queue-update.js';
import { queuePatchRequestSchema, type QueuePatchRequest } from './queue-patch.js';
import { queueDeleteRequestSchema, type QueueDeleteRequest } from './queue-delete.js';
import { queueRosterGetRequestSchema, type QueueRosterGetRequest } from './queue-roster-get.js';
import { queueRosterSetRequestSchema, type QueueRosterSetRequest } from './queue-roster-set.js';
import { queueRosterClearRequestSchema, type QueueRosterClearRequest } from './queue-roster-clear.js';
import { queueRosterAllRequestSchema, type QueueRosterAllRequest } from './queue-roster-all.js';
import { queueMembershipRequestSchema, type QueueMembershipRequest } from './queue-membership.js';
import { queueRolesGetRequestSchema, type QueueRolesGetRequest } from './queue-roles-get.js';
import { queueRolesSetRequestSchema, type QueueRolesSetRequest } from './queue-roles-set.js';
import { recipientGetRequestSchema, type RecipientGetRequest } from './recipient-get.js';
import { recipientListRequestSchema, type RecipientListRequest } from './recipient-list.js';
import { recipientSetEnabledRequestSchema, type RecipientSetEnabledRequest } from './recipient-set-enabled.js';
import { sessionListRequestSchema, type SessionListRequest } from './session-list.js';
import { tokenCheckRequestSchema, type TokenCheckRequest } from './token-check.js';
import { tokenRevokeRequestSchema, type TokenRevokeRequest } from './token-revoke.js';
import { userCreateRequestSchema, type UserCreateRequest } from './user-create.js';
import { userDeleteRequestSchema, type UserDeleteRequest } from './user-delete.js';
import { userGetRequestSchema, type UserGetRequest } from './user-get.js';
import { userListRequestSchema, type UserListRequest } from './user-list.js';
import { userPatchRequestSchema, type UserPatchRequest } from './user-patch.js';
import { userUpdateRequestSchema, type UserUpdateRequest } from './user-update.js';

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
  | QueueRolesSetRequest;

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
};

export const DIRECTORY_REQUEST_TYPES = Object.keys(DIRECTORY_SCHEMAS) as DirectoryRequestType[];

export const directoryRequestSchema = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: DIRECTORY_REQUEST_TYPES } },
  allOf: DIRECTORY_REQUEST_TYPES.map((t) => ({
    if: { properties: { type: { const: t } }, required: ['type'] },
    then: DIRECTORY_SCHEMAS[t],
  })),
};

export const validateDirectoryRequest = validator<DirectoryRequest>(directoryRequestSchema);
