/** POST /qubicle_recipients/{id} {"data":{"action":"login"}}: log in, start the recipient process. */
export interface LoginAction {
  action: 'login';
}
export const loginActionSchema = {
  type: 'object',
  required: ['action'],
  properties: { action: { const: 'login' } },
} as const;
