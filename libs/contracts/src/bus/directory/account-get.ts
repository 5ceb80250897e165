import { KAZOO_ID_PATTERN } from '../../ids.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** Read an account (without its api key). Reply: AccountView. */
export interface AccountGetRequest {
  type: 'account_get';
  account_id: string;
}
export const accountGetRequestSchema = directorySchema('account_get', accountIdProperty, ['account_id']);

export interface AccountView {
  id: string;
  name: string;
  features: { pro: boolean };
  qubicle: { missed_call_threshold: number };
}

export const accountViewSchema = {
  type: 'object',
  required: ['id', 'name', 'features', 'qubicle'],
  properties: {
    id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    name: { type: 'string' },
    features: { type: 'object', required: ['pro'], properties: { pro: { type: 'boolean' } } },
    qubicle: { type: 'object', required: ['missed_call_threshold'], properties: { missed_call_threshold: { type: 'integer', minimum: 0 } } },
  },
} as const;

export type AccountGetReply = AccountView;
export const accountGetReplySchema = accountViewSchema;
