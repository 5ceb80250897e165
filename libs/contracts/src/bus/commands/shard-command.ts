import { validator } from '../../schema.js';
import { answerCommandSchema, type AnswerCommand } from './answer.js';
import { getSnapshotCommandSchema, type GetSnapshotCommand } from './get-snapshot.js';
import { getStatusManyCommandSchema, type GetStatusManyCommand } from './get-status-many.js';
import { getStatusCommandSchema, type GetStatusCommand } from './get-status.js';
import { hangupCommandSchema, type HangupCommand } from './hangup.js';
import { loginCommandSchema, type LoginCommand } from './login.js';
import { logoutCommandSchema, type LogoutCommand } from './logout.js';
import { monitorStopCommandSchema, type MonitorStopCommand } from './monitor-stop.js';
import { monitorCommandSchema, type MonitorCommand } from './monitor.js';
import { offerCommandSchema, type OfferCommand } from './offer.js';
import { rejectCommandSchema, type RejectCommand } from './reject.js';
import { setStatusCommandSchema, type SetStatusCommand } from './set-status.js';
import { withdrawCommandSchema, type WithdrawCommand } from './withdraw.js';
import { wrapupCancelCommandSchema, type WrapupCancelCommand } from './wrapup-cancel.js';
import { wrapupExtendCommandSchema, type WrapupExtendCommand } from './wrapup-extend.js';

/** Everything that goes to one recipient's actor. */
export type RecipientCommand =
  | LoginCommand
  | LogoutCommand
  | SetStatusCommand
  | WrapupExtendCommand
  | WrapupCancelCommand
  | MonitorCommand
  | MonitorStopCommand
  | GetStatusCommand
  | OfferCommand
  | AnswerCommand
  | RejectCommand
  | WithdrawCommand
  | HangupCommand;

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

export const shardMessageSchema = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: SHARD_MESSAGE_TYPES } },
  allOf: SHARD_MESSAGE_TYPES.map((t) => ({
    if: { properties: { type: { const: t } }, required: ['type'] },
    then: SHARD_MESSAGE_SCHEMAS[t],
  })),
};

export const validateShardMessage = validator<ShardMessage>(shardMessageSchema);
