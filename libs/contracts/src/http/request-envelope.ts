/**
 * Every Crossbar request body is {"data": {...}} and KAZOO clients add more beside
 * and inside it: the Monster UI SDK puts `ui_metadata` in `data`, some apps send
 * `accept_charges` beside it. Those are accepted and ignored.
 */
export function requestEnvelopeSchema(dataSchema: object): object {
  return {
    type: 'object',
    required: ['data'],
    properties: {
      data: dataSchema,
      accept_charges: { type: 'boolean' },
      ui_metadata: { type: 'object' },
    },
  };
}

/** `ui_metadata` is allowed in every `data`. */
export const uiMetadataProperty = { ui_metadata: { type: 'object' } } as const;

export interface RequestEnvelope<T> {
  data: T;
  accept_charges?: boolean;
}
