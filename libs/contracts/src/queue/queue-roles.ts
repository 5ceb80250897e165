/**
 * Per-queue roles (POST …/qubicle_queues/{id}/roles, the SDK's `updateRoles`): who manages the
 * queue. A manager may set and clear the queue's roster (and, with the queue process, act on its
 * sessions); only an admin adds or removes queues or changes their settings and roles.
 */
import { KAZOO_ID_PATTERN } from '../ids.js';
import { MAX_QUEUE_MANAGERS } from './queue-limits.js';

export interface QueueRoles {
  /** Users of the account who manage this queue (sorted, no duplicates). */
  managers: string[];
}

export const queueRolesSchema = {
  type: 'object',
  required: ['managers'],
  properties: {
    managers: { type: 'array', maxItems: MAX_QUEUE_MANAGERS, items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
  },
  additionalProperties: false,
};
