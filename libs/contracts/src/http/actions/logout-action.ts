/** {"data":{"action":"logout"}}: end the recipient process, log out of Qubicle. */
export interface LogoutAction {
  action: 'logout';
}
export const logoutActionSchema = {
  type: 'object',
  required: ['action'],
  properties: { action: { const: 'logout' } },
} as const;
