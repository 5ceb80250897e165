/** What the gateway sends on the bus and what comes back, typed from the contracts. */
import type {
  AccountView,
  AuthIdentity,
  ClusterInfo,
  ClusterView,
  CommandBase,
  DirectoryRequest,
  DirectoryRequestType,
  GetStatusCommand,
  LoginCommand,
  LogoutCommand,
  MonitorCommand,
  MonitorStopCommand,
  QueueDocReply,
  QueueListItem,
  QueueMembership,
  QueueRoles,
  QueueRosterReply,
  QueueRosters,
  RecipientListItem,
  RecipientStatus,
  SessionListReply,
  SetStatusCommand,
  TokenCheck,
  TokenRevoked,
  UserDocReply,
  UserListItem,
  WrapupCancelCommand,
  WrapupExtendCommand,
} from '@qubicle/contracts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The recipient commands the HTTP API sends (the rest — offer, answer… — come from queue services). */
export type GatewayCommand =
  | LoginCommand
  | LogoutCommand
  | SetStatusCommand
  | WrapupExtendCommand
  | WrapupCancelCommand
  | MonitorCommand
  | MonitorStopCommand
  | GetStatusCommand;

/** A command as a route builds it; the RPC client adds command_id, ids, shard_count and by. */
export type CommandInput = DistributiveOmit<GatewayCommand, keyof CommandBase>;

/** Every one of these commands answers the recipient's status after it. */
export type CommandReply = RecipientStatus;

/** Reply data of each directory request. */
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
  account_find: AccountView;
  token_check: TokenCheck;
  token_revoke: TokenRevoked;
  queue_list: QueueListItem[];
  queue_get: QueueDocReply;
  queue_create: QueueDocReply;
  queue_update: QueueDocReply;
  queue_patch: QueueDocReply;
  queue_delete: QueueDocReply;
  queue_roster_get: QueueRosterReply;
  queue_roster_set: QueueRosterReply;
  queue_roster_clear: QueueRosterReply;
  queue_roster_all: QueueRosters;
  queue_membership: QueueMembership;
  queue_roles_get: QueueRoles;
  queue_roles_set: QueueRoles;
}

export type DirectoryReplyOf<R extends DirectoryRequest> = R['type'] extends DirectoryRequestType
  ? DirectoryReplies[R['type']]
  : never;
