/** `data` of GET /qubicle_recipients: one entry per user with qubicle enabled. */
export interface RecipientListItem {
  id: string;
  name: string;
}
export const recipientListSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'name'],
    properties: { id: { type: 'string' }, name: { type: 'string' } },
    additionalProperties: false,
  },
} as const;
