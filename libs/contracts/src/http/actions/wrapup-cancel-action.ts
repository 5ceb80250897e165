/** {"data":{"action":"wrapup_cancel"}}: end the current wrap-up now. */
export interface WrapupCancelAction {
  action: 'wrapup_cancel';
}
export const wrapupCancelActionSchema = {
  type: 'object',
  required: ['action'],
  properties: { action: { const: 'wrapup_cancel' } },
} as const;
