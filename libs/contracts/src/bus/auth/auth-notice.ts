import { validator, unionSchemaOf } from '../../schema.js';
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

export const authNoticeSchema = unionSchemaOf({ principal_changed: principalChangedSchema, token_revoked: tokenRevokedSchema });

export const validateAuthNotice = validator<AuthNotice>(authNoticeSchema);

/** Routing key of a notice on AUTH_EXCHANGE. */
export function authNoticeKey(type: AuthNoticeType): string {
  return `auth.${type}`;
}

/** Binding for every auth notice. */
export const AUTH_NOTICE_BINDING = 'auth.*';
