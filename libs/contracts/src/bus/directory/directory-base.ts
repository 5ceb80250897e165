import { KAZOO_ID_PATTERN } from '../../ids.js';

/** Directory messages go to DIRECTORY_QUEUE (any worker answers from the store). */
export function directorySchema(type: string, properties: Record<string, object> = {}, required: string[] = []): object {
  return {
    type: 'object',
    required: ['type', ...required],
    properties: { type: { const: type }, ...properties },
    additionalProperties: false,
  };
}

export const accountIdProperty = { account_id: { type: 'string', pattern: KAZOO_ID_PATTERN } } as const;
export const userIdProperty = { user_id: { type: 'string', pattern: KAZOO_ID_PATTERN } } as const;
export const queueIdProperty = { queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN } } as const;
