/**
 * Command ids derived from an HTTP `Idempotency-Key` (the gateway builds them:
 * services/api-gateway/src/http/idempotency.ts). The id is
 *
 *   i:<24 hex: hash of account, principal, route and key>.<8 hex: hash of the request body>
 *
 * 35 characters, no longer than the UUIDs the gateway uses otherwise: every recipient remembers
 * its last RECENT_COMMANDS_KEPT ids in memory (docs/performance.md, the 2 KB per recipient).
 * 96 bits keep two scopes apart; 32 bits are plenty to tell one body from another under one key.
 * so that a retried request (same key, same body) is the same command (answered, not applied
 * again: the recipient remembers applied ids), keys of two accounts or users never collide, and
 * the same key with ANOTHER body can be told apart: same scope part, other body part
 * (`idempotency_key_reused`, 422). Pure string rules, shared by the gateway and the worker.
 */

export const IDEMPOTENT_ID_PREFIX = 'i:';
const SCOPE_HEX = 24;
const BODY_HEX = 8;
const ID_RE = new RegExp(`^${IDEMPOTENT_ID_PREFIX}[0-9a-f]{${SCOPE_HEX}}\\.[0-9a-f]{${BODY_HEX}}$`);

/** The id of the command of a request whose scope hash and body hash (hex, at least 24 / 8 digits) are given. */
export function idempotentCommandId(scopeHex: string, bodyHex: string): string {
  return `${IDEMPOTENT_ID_PREFIX}${scopeHex.slice(0, SCOPE_HEX)}.${bodyHex.slice(0, BODY_HEX)}`;
}

/** The scope part (prefix and key hash) of an idempotent id; undefined for any other command id. */
export function idempotencyScopeOf(commandId: string): string | undefined {
  return ID_RE.test(commandId) ? commandId.slice(0, IDEMPOTENT_ID_PREFIX.length + SCOPE_HEX) : undefined;
}

/** `other` was sent with the same Idempotency-Key (same scope) as `commandId` but another body. */
export function isReusedIdempotencyKey(commandId: string, other: string): boolean {
  const scope = idempotencyScopeOf(commandId);
  return scope !== undefined && other !== commandId && idempotencyScopeOf(other) === scope;
}
