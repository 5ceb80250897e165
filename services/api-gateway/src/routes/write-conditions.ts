/**
 * The conditions a client puts on a write, read from its headers:
 * - `If-Match` (quotes and W/ stripped): the revision the write expects. Users and queues compare
 *   it with their document's rev; the recipient API with the status `revision` (a whole number),
 *   checked by the worker against the state it applies to (`expected_revision` of the command).
 * - `Idempotency-Key`: a retried request is the same command (its id derived from the key), so it
 *   is answered and not applied again (docs/state-machine.md, Redelivered and replayed commands).
 */
import { createHash } from 'node:crypto';
import { idempotentCommandId } from '@qubicle/contracts';
import type { GatewayContext } from '../context.js';
import { failures } from '../crossbar/errors.js';
import type { Principal } from '../auth/principal.js';
import type { CommandOptions } from '../rpc/rpc-client.js';
import { principalOf } from './deps.js';

/** The If-Match header's value, quotes and W/ stripped; undefined when absent, empty or `*`. */
export function ifMatchOf(ctx: GatewayContext): string | undefined {
  const header = ctx.get('If-Match').trim();
  if (header === '' || header === '*') return undefined;
  return header.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

const REVISION_RE = /^(0|[1-9]\d{0,15})$/;

/** If-Match of a recipient write: the status revision it expects (a whole number), or undefined. */
export function expectedRevisionOf(ctx: GatewayContext): number | undefined {
  const rev = ifMatchOf(ctx);
  if (rev === undefined) return undefined;
  const n = REVISION_RE.test(rev) ? Number(rev) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw failures.invalidData({
      'If-Match': { pattern: { message: 'If-Match must be a status revision (a whole number, optionally quoted)', cause: rev.slice(0, 16) } },
    });
  }
  return n;
}

export const IDEMPOTENCY_KEY_MAX = 128;
/** Visible ASCII without quotes, comma or backslash (a UUID, a ULID, a client's counter…). */
const KEY_RE = /^[A-Za-z0-9!#$%&'*+.^_`|~:;=?@/()[\]{}<>-]+$/;

/** The Idempotency-Key header, validated (1..128 visible characters); undefined when absent. */
export function idempotencyKeyOf(ctx: GatewayContext): string | undefined {
  const raw = ctx.get('Idempotency-Key');
  if (raw === '') return undefined;
  const key = raw.trim().replace(/^"(.*)"$/, '$1');
  if (key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX) {
    throw failures.invalidData({
      'Idempotency-Key': { maxLength: { message: `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} characters`, cause: key.length, target: IDEMPOTENCY_KEY_MAX } },
    });
  }
  if (!KEY_RE.test(key)) {
    throw failures.invalidData({
      'Idempotency-Key': { pattern: { message: 'Idempotency-Key must be visible ASCII characters without quotes, commas or backslashes', cause: '' } },
    });
  }
  return key;
}

/**
 * The command id of one command of a request with an Idempotency-Key: a hash of who (account,
 * principal), where (method, path, and `part` when one request sends several commands, like the
 * bulk set's recipient and key) and the key, then a hash of the body. Another account or user
 * cannot name this command; the same key with another body is told apart by the worker.
 */
export function idempotentIdOf(ctx: GatewayContext, p: Principal, key: string, body: unknown, part = ''): string {
  const scope = createHash('sha256')
    .update(JSON.stringify([p.accountId, p.ownerId ?? '', ctx.method, ctx.path, part, key]))
    .digest('hex');
  const bodyHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
  return idempotentCommandId(scope, bodyHash);
}

/** JSON with object keys sorted, so that the same body in another key order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The options of the one command of a single-recipient write: its id from the Idempotency-Key
 * (the validated `data` is the body hashed), If-Match as the expected revision, the audit reason.
 */
export function writeOptionsOf(ctx: GatewayContext, data: { audit_reason?: string | undefined }): CommandOptions {
  const key = idempotencyKeyOf(ctx);
  return {
    commandId: key !== undefined ? idempotentIdOf(ctx, principalOf(ctx), key, data) : undefined,
    expectedRevision: expectedRevisionOf(ctx),
    auditReason: data.audit_reason,
  };
}
