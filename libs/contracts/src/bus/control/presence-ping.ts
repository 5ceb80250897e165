import { validator } from '../../schema.js';

/**
 * RPC to a node's presence queue (presenceQueue(node)). The node answers okReply({node}); a call
 * that comes back unroutable means the node's broker connection is gone.
 */
export interface PresencePing {
  type: 'presence_ping';
  from: string;
}
export const presencePingSchema = {
  type: 'object',
  required: ['type', 'from'],
  properties: { type: { const: 'presence_ping' }, from: { type: 'string', maxLength: 200 } },
  additionalProperties: false,
};
export const validatePresencePing = validator<PresencePing>(presencePingSchema);

/** Reply data: the name of the node that answered. */
export interface PresencePingReply {
  node: string;
}
export const presencePingReplySchema = {
  type: 'object',
  required: ['node'],
  properties: { node: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;
