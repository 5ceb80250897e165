import { KAZOO_ID_PATTERN } from '../../ids.js';
import { validator } from '../../schema.js';
import { MAX_QUEUE_MANAGERS } from '../../queue/queue-limits.js';
import type { QueueRoles } from '../../queue/queue-roles.js';
import { requestEnvelopeSchema, uiMetadataProperty, type RequestEnvelope } from '../request-envelope.js';

/**
 * POST …/qubicle_queues/{id}/roles (SDK `updateRoles`): `{"data": {"managers": ["user id", …]}}`,
 * replacing the queue's roles (the SDK adds `ui_metadata` beside them).
 */
export const queueRolesSetDataSchema = {
  type: 'object',
  required: ['managers'],
  properties: {
    managers: { type: 'array', maxItems: MAX_QUEUE_MANAGERS, items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    ...uiMetadataProperty,
  },
  additionalProperties: false,
};

export const validateQueueRolesSetBody = validator<RequestEnvelope<QueueRoles>>(requestEnvelopeSchema(queueRolesSetDataSchema));
