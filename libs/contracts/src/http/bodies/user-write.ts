import { validator } from '../../schema.js';
import type { PrivLevel } from '../../directory/user-doc.js';
import { requestEnvelopeSchema, type RequestEnvelope } from '../request-envelope.js';

/**
 * Body of PUT /users (create) and POST /users/{id} (replace): a KAZOO users document
 * plus an optional `password` (never stored: it becomes a salted scrypt hash of
 * KAZOO's md5("username:password")). Unknown KAZOO fields pass through.
 */
export interface UserWrite {
  first_name: string;
  last_name: string;
  username?: string;
  password?: string;
  email?: string;
  priv_level?: PrivLevel;
  enabled?: boolean;
  qubicle?: { enabled?: boolean; permissions?: { monitor?: boolean } };
  [extra: string]: unknown;
}

const nameSchema = { type: 'string', minLength: 1, maxLength: 128 };

export const userWriteProperties = {
  first_name: nameSchema,
  last_name: nameSchema,
  username: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\s:]+$' },
  password: { type: 'string', minLength: 6, maxLength: 256, secret: true },
  email: { type: 'string', maxLength: 256, pattern: '^[^\\s@]+@[^\\s@]+$' },
  priv_level: { enum: ['admin', 'user'] },
  enabled: { type: 'boolean' },
  qubicle: {
    type: 'object',
    properties: {
      enabled: { type: 'boolean' },
      permissions: { type: 'object', properties: { monitor: { type: 'boolean' } } },
    },
  },
  id: { not: {} },
  account_id: { not: {} },
} as const;

export const userWriteDataSchema = {
  type: 'object',
  required: ['first_name', 'last_name'],
  properties: userWriteProperties,
  dependencies: { password: ['username'] },
};

export const validateUserWriteBody = validator<RequestEnvelope<UserWrite>>(requestEnvelopeSchema(userWriteDataSchema));

/** PATCH /users/{id}: the same fields, none required. */
export const userPatchDataSchema = { type: 'object', minProperties: 1, properties: userWriteProperties };
export const validateUserPatchBody = validator<RequestEnvelope<Partial<UserWrite>>>(requestEnvelopeSchema(userPatchDataSchema));
