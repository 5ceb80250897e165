import { unionValidator, type Validation, unionSchemaOf } from '../../schema.js';
import { replyValidators, validateReplyOf } from '../reply-validation.js';
import { answerCommandSchema, answerReplySchema, type AnswerCommand, type AnswerReply } from './answer.js';
import { getSnapshotCommandSchema, getSnapshotReplySchema, type GetSnapshotCommand, type GetSnapshotReply } from './get-snapshot.js';
import { getStatusManyCommandSchema, getStatusManyReplySchema, type GetStatusManyCommand, type GetStatusManyReply } from './get-status-many.js';
import { getStatusCommandSchema, getStatusReplySchema, type GetStatusCommand, type GetStatusReply } from './get-status.js';
import { hangupCommandSchema, hangupReplySchema, type HangupCommand, type HangupReply } from './hangup.js';
import { loginCommandSchema, loginReplySchema, type LoginCommand, type LoginReply } from './login.js';
import { logoutCommandSchema, logoutReplySchema, type LogoutCommand, type LogoutReply } from './logout.js';
import { monitorStopCommandSchema, monitorStopReplySchema, type MonitorStopCommand, type MonitorStopReply } from './monitor-stop.js';
import { monitorCommandSchema, monitorReplySchema, type MonitorCommand, type MonitorReply } from './monitor.js';
import { offerCommandSchema, offerReplySchema, type OfferCommand, type OfferReply } from './offer.js';
import { rejectCommandSchema, rejectReplySchema, type RejectCommand, type RejectReply } from './reject.js';
import { setStatusCommandSchema, setStatusReplySchema, type SetStatusCommand, type SetStatusReply } from './set-status.js';
import { withdrawCommandSchema, withdrawReplySchema, type WithdrawCommand, type WithdrawReply } from './withdraw.js';
import { wrapupCancelCommandSchema, wrapupCancelReplySchema, type WrapupCancelCommand, type WrapupCancelReply } from './wrapup-cancel.js';
import { wrapupExtendCommandSchema, wrapupExtendReplySchema, type WrapupExtendCommand, type WrapupExtendReply } from './wrapup-extend.js';

/**
 * What is asked of a recipient's actor for the recipient itself (its login, status, wrap-up,
 * monitoring, status read): the commands the gateway's HTTP API sends.
 */
export type RecipientControlCommand =
  | LoginCommand
  | LogoutCommand
  | SetStatusCommand
  | WrapupExtendCommand
  | WrapupCancelCommand
  | MonitorCommand
  | MonitorStopCommand
  | GetStatusCommand;

/** A call's life at the recipient: the commands queue services send. */
export type RecipientCallCommand = OfferCommand | AnswerCommand | RejectCommand | WithdrawCommand | HangupCommand;

/** Everything that goes to one recipient's actor. */
export type RecipientCommand = RecipientControlCommand | RecipientCallCommand;

export type RecipientCommandType = RecipientCommand['type'];

/** Everything a shard queue carries. */
export type ShardMessage = RecipientCommand | GetStatusManyCommand | GetSnapshotCommand;

/** Routing table: message type → schema. */
export const SHARD_MESSAGE_SCHEMAS: Record<ShardMessage['type'], object> = {
  login: loginCommandSchema,
  logout: logoutCommandSchema,
  set_status: setStatusCommandSchema,
  wrapup_extend: wrapupExtendCommandSchema,
  wrapup_cancel: wrapupCancelCommandSchema,
  monitor: monitorCommandSchema,
  monitor_stop: monitorStopCommandSchema,
  get_status: getStatusCommandSchema,
  offer: offerCommandSchema,
  answer: answerCommandSchema,
  reject: rejectCommandSchema,
  withdraw: withdrawCommandSchema,
  hangup: hangupCommandSchema,
  get_status_many: getStatusManyCommandSchema,
  get_snapshot: getSnapshotCommandSchema,
};

export const SHARD_MESSAGE_TYPES = Object.keys(SHARD_MESSAGE_SCHEMAS) as ShardMessage['type'][];

export const shardMessageSchema = unionSchemaOf(SHARD_MESSAGE_SCHEMAS);

export const validateShardMessage = unionValidator<ShardMessage>(shardMessageSchema, SHARD_MESSAGE_SCHEMAS);

/** Reply data of each shard message (each message's file holds its reply type and schema). */
export interface ShardReplies {
  login: LoginReply;
  logout: LogoutReply;
  set_status: SetStatusReply;
  wrapup_extend: WrapupExtendReply;
  wrapup_cancel: WrapupCancelReply;
  monitor: MonitorReply;
  monitor_stop: MonitorStopReply;
  get_status: GetStatusReply;
  offer: OfferReply;
  answer: AnswerReply;
  reject: RejectReply;
  withdraw: WithdrawReply;
  hangup: HangupReply;
  get_status_many: GetStatusManyReply;
  get_snapshot: GetSnapshotReply;
}

export type ShardReplyOf<M extends { type: ShardMessage['type'] }> = ShardReplies[M['type']];

/** Reply schema of each shard message: a client validates the `data` of an ok reply with it. */
export const SHARD_REPLY_SCHEMAS: Record<ShardMessage['type'], object> = {
  login: loginReplySchema,
  logout: logoutReplySchema,
  set_status: setStatusReplySchema,
  wrapup_extend: wrapupExtendReplySchema,
  wrapup_cancel: wrapupCancelReplySchema,
  monitor: monitorReplySchema,
  monitor_stop: monitorStopReplySchema,
  get_status: getStatusReplySchema,
  offer: offerReplySchema,
  answer: answerReplySchema,
  reject: rejectReplySchema,
  withdraw: withdrawReplySchema,
  hangup: hangupReplySchema,
  get_status_many: getStatusManyReplySchema,
  get_snapshot: getSnapshotReplySchema,
};

const shardReplyValidators = replyValidators(SHARD_REPLY_SCHEMAS);

/** The `data` of an ok reply to a shard message of type `type`, checked against its reply schema. */
export function validateShardReply<T extends ShardMessage['type']>(type: T, data: unknown): Validation<ShardReplies[T]>;
export function validateShardReply(type: string, data: unknown): Validation<unknown>;
export function validateShardReply(type: string, data: unknown): Validation<unknown> {
  return validateReplyOf(shardReplyValidators, type, data);
}
