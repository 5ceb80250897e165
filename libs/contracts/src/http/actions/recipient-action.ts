import { validator } from '../../schema.js';
import { requestEnvelopeSchema, type RequestEnvelope } from '../request-envelope.js';
import { auditReasonProperty } from '../bodies/audit-reason.js';
import { loginActionSchema, type LoginAction } from './login-action.js';
import { logoutActionSchema, type LogoutAction } from './logout-action.js';
import { monitorActionSchema, type MonitorAction } from './monitor-action.js';
import { monitorStopActionSchema, type MonitorStopAction } from './monitor-stop-action.js';
import { wrapupCancelActionSchema, type WrapupCancelAction } from './wrapup-cancel-action.js';
import { wrapupExtendActionSchema, type WrapupExtendAction } from './wrapup-extend-action.js';

export type RecipientAction = (
  | LoginAction
  | LogoutAction
  | WrapupExtendAction
  | WrapupCancelAction
  | MonitorAction
  | MonitorStopAction
) & {
  /** OPTIONAL, every action: why (kept in the audit trail). */
  audit_reason?: string;
};

export const RECIPIENT_ACTIONS = ['login', 'logout', 'wrapup_extend', 'wrapup_cancel', 'monitor', 'monitor_stop'] as const;

const bySchema = {
  login: loginActionSchema,
  logout: logoutActionSchema,
  wrapup_extend: wrapupExtendActionSchema,
  wrapup_cancel: wrapupCancelActionSchema,
  monitor: monitorActionSchema,
  monitor_stop: monitorStopActionSchema,
} as const;

/**
 * The action body: `action` picks the schema (if/then per action) so the errors name
 * the real problem ("action" not in enum, or "target" missing for monitor).
 */
export const recipientActionDataSchema = {
  type: 'object',
  required: ['action'],
  properties: { action: { enum: [...RECIPIENT_ACTIONS] }, ...auditReasonProperty },
  allOf: RECIPIENT_ACTIONS.map((a) => ({
    if: { properties: { action: { const: a } }, required: ['action'] },
    then: { ...bySchema[a] },
  })),
};

export const recipientActionBodySchema = requestEnvelopeSchema(recipientActionDataSchema);
export const validateRecipientActionBody = validator<RequestEnvelope<RecipientAction>>(recipientActionBodySchema);
