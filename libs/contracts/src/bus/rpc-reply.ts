import type { QubicleError } from '../errors.js';
import { ERROR_CODES } from '../errors.js';
import { validator } from '../schema.js';
import { MAX_BULK_RECIPIENTS } from '../http/bodies/bulk-status-query.js';

/**
 * Every RPC reply on the bus: data, or an error as data (rebuilt by the caller). `seq`: on the
 * replies of a recipient's actor, the recipient's event sequence number right after the command
 * (its status in `data` includes every event up to it): the gateway's read model applies a
 * write's reply before answering, so a client reads its own writes (docs/performance.md).
 * `seqs`: the same per recipient, on a reply about several (get_status_many), so that a bulk read
 * refreshes the read model too.
 */
export type RpcReply<T> =
  | { ok: true; data: T; node?: string; seq?: number; seqs?: Record<string, number> }
  | { ok: false; error: QubicleError; node?: string };

export const rpcReplySchema = {
  type: 'object',
  required: ['ok'],
  properties: {
    ok: { type: 'boolean' },
    node: { type: 'string' },
    seq: { type: 'integer', minimum: 0 },
    seqs: { type: 'object', maxProperties: MAX_BULK_RECIPIENTS, additionalProperties: { type: 'integer', minimum: 0 } },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { enum: ERROR_CODES }, message: { type: 'string' } },
    },
  },
  if: { properties: { ok: { const: true } } },
  then: { required: ['data'] },
  else: { required: ['error'] },
};

export const validateRpcReply = validator<RpcReply<unknown>>(rpcReplySchema);

export const okReply = <T>(data: T, node?: string): RpcReply<T> => (node ? { ok: true, data, node } : { ok: true, data });
export const errorReply = (error: QubicleError, node?: string): RpcReply<never> =>
  node ? { ok: false, error, node } : { ok: false, error };
