import { KAZOO_ID_PATTERN } from '../ids.js';

/**
 * The `data` schema of a websocket `snapshot` entry of one thing (a recipient, a queue): its
 * account, its id field, the seq the entry is consistent with, when, its status and whatever else
 * the entry holds; `resync` when it replaces what a resume could not replay. One rule for every
 * kind of entry, so they cannot drift.
 */
export function snapshotEntrySchema(idField: string, status: object, extra: Record<string, object> = {}) {
  return {
    type: 'object',
    required: ['event', 'account_id', idField, 'seq', 'timestamp', 'status', ...Object.keys(extra)],
    properties: {
      event: { const: 'snapshot' },
      account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
      [idField]: { type: 'string', pattern: KAZOO_ID_PATTERN },
      seq: { type: 'integer', minimum: 0 },
      timestamp: { type: 'integer', minimum: 0 },
      status,
      ...extra,
      resync: { const: true },
    },
    additionalProperties: false,
  };
}
