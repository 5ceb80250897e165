import { validator, type Validator } from '../../schema.js';
import { rosterIdsSchema } from '../../queue/queue-roster.js';
import { requestEnvelopeSchema, uiMetadataProperty, type RequestEnvelope } from '../request-envelope.js';

/**
 * POST …/qubicle_queues/{id}/recipients (SDK `updateRecipients`): the whole roster, replacing the
 * old one. `data` is the list of recipient ids (KAZOO's roster form, `{"data": ["id", …]}`) or
 * `{"recipients": [...]}` (where the SDK adds `ui_metadata`); duplicates count once. An empty list
 * clears the roster.
 */
export type QueueRosterSet = string[] | { recipients: string[] };

const objectForm = {
  type: 'object',
  required: ['recipients'],
  properties: { recipients: rosterIdsSchema, ...uiMetadataProperty },
  additionalProperties: false,
};
export const queueRosterSetDataSchema = { anyOf: [rosterIdsSchema, objectForm] };

const checkObjectForm = validator<RequestEnvelope<{ recipients: string[] }>>(requestEnvelopeSchema(objectForm));

/**
 * Either form; the list form is checked as `{recipients: list}`, so that every error names
 * `recipients` (`recipients.3.pattern`, `recipients.maxItems`) whichever form was sent.
 */
export const validateQueueRosterSetBody: Validator<RequestEnvelope<QueueRosterSet>> = Object.assign(
  (body: unknown) => {
    const data = (body as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) return checkObjectForm(body);
    const v = checkObjectForm({ ...(body as object), data: { recipients: data } });
    return v.ok ? { ok: true as const, value: body as RequestEnvelope<QueueRosterSet> } : v;
  },
  { schema: requestEnvelopeSchema(queueRosterSetDataSchema) },
);

/** The ids of either form. */
export function rosterIdsOf(data: QueueRosterSet): string[] {
  return Array.isArray(data) ? data : data.recipients;
}
