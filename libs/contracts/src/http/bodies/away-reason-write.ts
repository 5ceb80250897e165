/**
 * Bodies of the away-reason catalogue's writes (/v2/accounts/{A}/qubicle_away_reasons):
 *   PUT /            {"data":{"name":"lunch","label":"Lunch","productive":false,"max_duration_seconds":3600,"on_max":"ready"}}
 *   POST /{name}     the same fields, the whole entry (name optional, and then the path's)
 *   PATCH /{name}    any of label, productive, max_duration_seconds, on_max (null removes the last two)
 */
import { AWAY_REASON_NAME_PATTERN, awayReasonFieldsSchema, type AwayReason } from '../../recipient/away-reason.js';
import type { AwayReasonFields } from '../../bus/directory/away-reason-write.js';
import { validator } from '../../schema.js';
import { requestEnvelopeSchema, uiMetadataProperty, type RequestEnvelope } from '../request-envelope.js';

const entry = (nameRequired: boolean) => ({
  type: 'object',
  required: [...(nameRequired ? ['name'] : []), 'label', 'productive'],
  properties: { name: { type: 'string', pattern: AWAY_REASON_NAME_PATTERN }, ...awayReasonFieldsSchema, ...uiMetadataProperty },
  additionalProperties: false,
  dependencies: { max_duration_seconds: ['on_max'], on_max: ['max_duration_seconds'] },
});

export const validateAwayReasonCreateBody = validator<RequestEnvelope<AwayReason>>(requestEnvelopeSchema(entry(true)));
export const validateAwayReasonUpdateBody = validator<RequestEnvelope<Omit<AwayReason, 'name'> & { name?: string }>>(requestEnvelopeSchema(entry(false)));
export const validateAwayReasonPatchBody = validator<RequestEnvelope<AwayReasonFields>>(
  requestEnvelopeSchema({
    type: 'object',
    properties: {
      ...awayReasonFieldsSchema,
      max_duration_seconds: { anyOf: [awayReasonFieldsSchema.max_duration_seconds, { type: 'null' }] },
      on_max: { anyOf: [awayReasonFieldsSchema.on_max, { type: 'null' }] },
      ...uiMetadataProperty,
    },
    additionalProperties: false,
  }),
);

/** The writable fields of a validated body (without name and ui_metadata). */
export function awayReasonFieldsOf(data: AwayReasonFields & { name?: string; ui_metadata?: unknown }): AwayReasonFields {
  const { name: _name, ui_metadata: _ui, ...fields } = data;
  return fields;
}
