import { KAZOO_ID_PATTERN } from '../../ids.js';
import { validator } from '../../schema.js';
import { QUEUE_SESSION_ACTIONS, type QueueSessionActionName } from '../../bus/queue/queue-session-action.js';
import { requestEnvelopeSchema, uiMetadataProperty, type RequestEnvelope } from '../request-envelope.js';

/**
 * POST …/qubicle_queues/{QID}/sessions/{SID} (SDK `updateSessions`): a supervisor acts on a
 * waiting caller: `{"data": {"action": "assign", "recipient_id": "…"}}` (offer it to that member
 * now) or `{"data": {"action": "remove"}}` (take it out of the queue).
 */
export interface QueueSessionActionData {
  action: QueueSessionActionName;
  recipient_id?: string;
}

export const queueSessionActionDataSchema = {
  type: 'object',
  required: ['action'],
  properties: {
    action: { enum: [...QUEUE_SESSION_ACTIONS] },
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    ...uiMetadataProperty,
  },
  if: { properties: { action: { const: 'assign' } }, required: ['action'] },
  then: { required: ['recipient_id'] },
  additionalProperties: false,
};

export const validateQueueSessionActionBody = validator<RequestEnvelope<QueueSessionActionData>>(requestEnvelopeSchema(queueSessionActionDataSchema));
