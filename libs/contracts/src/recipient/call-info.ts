import { KAZOO_ID_PATTERN } from '../ids.js';

/** The call being offered to or handled by a recipient (seed: Offered-Call / Handling-Call). */
export interface CallInfo {
  queue_id: string;
  session_id: string;
  caller_id_name: string;
  caller_id_number: string;
  /** unix seconds the caller entered the queue */
  queue_enter_time: number;
}

export const callInfoSchema = {
  type: 'object',
  required: ['queue_id', 'session_id', 'caller_id_name', 'caller_id_number', 'queue_enter_time'],
  properties: {
    queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    session_id: { type: 'string', minLength: 1, maxLength: 128 },
    caller_id_name: { type: 'string', maxLength: 256 },
    caller_id_number: { type: 'string', maxLength: 64 },
    queue_enter_time: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
} as const;
