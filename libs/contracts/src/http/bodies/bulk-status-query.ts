import { KAZOO_ID_PATTERN } from '../../ids.js';
import { validator } from '../../schema.js';
import { requestEnvelopeSchema, type RequestEnvelope } from '../request-envelope.js';

/** POST /qubicle_recipients/status {"data":{"recipient_ids":[...]}}. */
export interface BulkStatusQuery {
  recipient_ids: string[];
}

export const MAX_BULK_RECIPIENTS = 1000;

export const bulkStatusQueryDataSchema = {
  type: 'object',
  required: ['recipient_ids'],
  properties: {
    recipient_ids: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_BULK_RECIPIENTS,
      uniqueItems: true,
      items: { type: 'string', pattern: KAZOO_ID_PATTERN },
    },
  },
};

export const validateBulkStatusQueryBody = validator<RequestEnvelope<BulkStatusQuery>>(
  requestEnvelopeSchema(bulkStatusQueryDataSchema),
);
