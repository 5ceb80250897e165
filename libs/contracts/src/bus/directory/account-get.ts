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
