import { KAZOO_ID_PATTERN } from '../../ids.js';
import { userFieldProperties, type UserDoc } from '../../directory/user-doc.js';

/** Reply of every user read/write: the document and its revision (Crossbar puts it in `revision`). */
export interface UserDocReply {
  doc: UserDoc;
  rev: string;
}

/**
 * The reply's schema: the fields every users document has (the directory fills them in); other
 * KAZOO fields a client stored pass through, so the document takes more properties.
 */
export const userDocReplySchema = {
  type: 'object',
  required: ['doc', 'rev'],
  properties: {
    doc: {
      type: 'object',
      required: ['id', 'account_id', 'first_name', 'last_name', 'priv_level', 'enabled', 'qubicle'],
      properties: {
        id: { type: 'string', pattern: KAZOO_ID_PATTERN },
        account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
        ...userFieldProperties,
        qubicle: {
          type: 'object',
          required: ['enabled', 'permissions'],
          properties: { enabled: { type: 'boolean' }, permissions: { type: 'object', required: ['monitor'], properties: { monitor: { type: 'boolean' } } } },
        },
      },
    },
    rev: { type: 'string', minLength: 1 },
  },
} as const;
