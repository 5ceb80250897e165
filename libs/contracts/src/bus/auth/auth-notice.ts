import { validator } from '../../schema.js';
import { principalChangedSchema, type PrincipalChangedNotice } from './principal-changed.js';
import { tokenRevokedSchema, type TokenRevokedNotice } from './token-revoked.js';

/**
 * What the directory broadcasts on AUTH_EXCHANGE (topic, routing key authNoticeKey(type)) for the
 * gateways' token caches. Notices make revocation fast; they are not what makes it right: a
 * gateway that may have missed some (just started, bus reconnected) asks the directory
 * (`token_check`) before trusting a token again.
 */
export type AuthNotice = PrincipalChangedNotice | TokenRevokedNotice;
export type AuthNoticeType = AuthNotice['type'];

export const authNoticeSchema = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['principal_changed', 'token_revoked'] } },
  allOf: [
    { if: { properties: { type: { const: 'principal_changed' } }, required: ['type'] }, then: principalChangedSchema },
    { if: { properties: { type: { const: 'token_revoked' } }, required: ['type'] }, then: tokenRevokedSchema },
  ],
};

export const validateAuthNotice = validator<AuthNotice>(authNoticeSchema);

/** Routing key of a notice on AUTH_EXCHANGE. */
export function authNoticeKey(type: AuthNoticeType): string {
  return `auth.${type}`;
}

/** Binding for every auth notice. */
export const AUTH_NOTICE_BINDING = 'auth.*';
