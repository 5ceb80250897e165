import { KAZOO_ID_PATTERN } from '../../ids.js';

/**
 * Broadcast by the directory on AUTH_EXCHANGE (routing key `auth.principal_changed`) after a user
 * change that ends the user's tokens has been written: the user was deleted, disabled, demoted
 * from admin, or lost the Qubicle permission (qubicle.enabled). Every gateway then refuses the
 * user's tokens issued before the change: a deleted user's all, otherwise those whose `gen` claim
 * is below `token_generation` (the new value stored in the user's document).
 */
export const PRINCIPAL_CHANGE_REASONS = ['user_deleted', 'user_disabled', 'user_demoted', 'qubicle_disabled'] as const;
export type PrincipalChangeReason = (typeof PRINCIPAL_CHANGE_REASONS)[number];

export interface PrincipalChangedNotice {
  type: 'principal_changed';
  account_id: string;
  user_id: string;
  reason: PrincipalChangeReason;
  /** The user's token generation after the change; absent when the user was deleted (every token goes). */
  token_generation?: number;
  /** ms since epoch, when the directory wrote the change */
  at: number;
}

export const principalChangedSchema = {
  type: 'object',
  required: ['type', 'account_id', 'user_id', 'reason', 'at'],
  properties: {
    type: { const: 'principal_changed' },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    user_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    reason: { enum: [...PRINCIPAL_CHANGE_REASONS] },
    token_generation: { type: 'integer', minimum: 1 },
    at: { type: 'number' },
  },
  additionalProperties: false,
};
