import type { ValidationDetails } from '../../errors.js';

/** Crossbar success envelope. */
export interface SuccessEnvelope<T> {
  data: T;
  status: 'success';
  request_id: string;
  auth_token: string;
  revision?: string;
  page_size?: number;
  next_start_key?: string | number;
  start_key?: string | number;
  node?: string;
  timestamp?: string;
}

/** Crossbar error envelope: `error` is the HTTP status code as a string. */
export interface ErrorEnvelope {
  data: ValidationDetails | Record<string, unknown>;
  error: string;
  message: string;
  status: 'error';
  request_id: string;
  auth_token: string;
}

export const successEnvelopeSchema = {
  type: 'object',
  required: ['data', 'status', 'request_id', 'auth_token'],
  properties: {
    status: { const: 'success' },
    request_id: { type: 'string' },
    auth_token: { type: 'string' },
    revision: { type: 'string' },
    page_size: { type: 'integer', minimum: 0 },
    node: { type: 'string' },
    timestamp: { type: 'string' },
  },
} as const;

export const errorEnvelopeSchema = {
  type: 'object',
  required: ['data', 'error', 'message', 'status', 'request_id', 'auth_token'],
  properties: {
    data: { type: 'object' },
    error: { type: 'string', pattern: '^[1-5][0-9][0-9]$' },
    message: { type: 'string' },
    status: { const: 'error' },
    request_id: { type: 'string' },
    auth_token: { type: 'string' },
  },
} as const;
