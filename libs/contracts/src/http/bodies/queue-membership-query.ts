import { KAZOO_ID_PATTERN } from '../../ids.js';
import { validator } from '../../schema.js';
import { MAX_BULK_RECIPIENTS } from './bulk-status-query.js';
import { requestEnvelopeSchema, uiMetadataProperty, type RequestEnvelope } from '../request-envelope.js';

/**
 * POST …/qubicle_recipients/queue_membership: `{"data": {"recipient_ids": [...]}}` → the queues
 * each belongs to; without recipient_ids (`{"data": {}}`), every member of any queue.
 */
export interface QueueMembershipQuery {
  recipient_ids?: string[];
}

export const queueMembershipQueryDataSchema = {
  type: 'object',
  properties: {
    recipient_ids: { type: 'array', maxItems: MAX_BULK_RECIPIENTS, items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    ...uiMetadataProperty,
  },
  additionalProperties: false,
};

export const validateQueueMembershipQueryBody = validator<RequestEnvelope<QueueMembershipQuery>>(requestEnvelopeSchema(queueMembershipQueryDataSchema));
