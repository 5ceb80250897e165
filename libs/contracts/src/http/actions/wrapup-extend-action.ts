/** {"data":{"action":"wrapup_extend"}}: reset wrap-up to the full amount of the call's queue. */
export interface WrapupExtendAction {
  action: 'wrapup_extend';
}
export const wrapupExtendActionSchema = {
  type: 'object',
  required: ['action'],
  properties: { action: { const: 'wrapup_extend' } },
} as const;
