import { validator } from '../../schema.js';
import { rosterIdsSchema } from '../../queue/queue-roster.js';
import { requestEnvelopeSchema, uiMetadataProperty, type RequestEnvelope } from '../request-envelope.js';

/**
 * POST …/qubicle_queues/{id}/recipients (SDK `updateRecipients`): the whole roster, replacing the
 * old one. `data` is the list of recipient ids (KAZOO's roster form, `{"data": ["id", …]}`) or
 * `{"recipients": [...]}` (where the SDK adds `ui_metadata`); duplicates count once. An empty list clears the roster.
 */
export type QueueRosterSet = string[] | { recipients: string[] };

export const queueRosterSetDataSchema = {
  anyOf: [rosterIdsSchema, { type: 'object', required: ['recipients'], properties: { recipients: rosterIdsSchema, ...uiMetadataProperty }, additionalProperties: false }],
};

export const validateQueueRosterSetBody = validator<RequestEnvelope<QueueRosterSet>>(requestEnvelopeSchema(queueRosterSetDataSchema));

/** The ids of either form. */
export function rosterIdsOf(data: QueueRosterSet): string[] {
  return Array.isArray(data) ? data : data.recipients;
}
