/**
 * What KAZOO's qubicle_session messages are read by before they are checked against their schema:
 * which kind a message is, its call id, and the ids a join_queue failure echoes. Used by the
 * worker that takes the message, before it sends it on to the session's owner (session-service.ts).
 */
import { SESSION_REQUEST_KINDS, type SessionRequestKind } from '@qubicle/contracts';

/** Which message: KAZOO's Event-Name when set, else its shape. */
export function kindOf(body: Record<string, unknown> | null): SessionRequestKind | null {
  if (!body || typeof body !== 'object') return null;
  const name = body['Event-Name'];
  if ((SESSION_REQUEST_KINDS as readonly unknown[]).includes(name)) return name as SessionRequestKind;
  if ('Join-Queue-ID' in body) return 'join_queue';
  if ('Session-Type' in body) return 'create_session';
  if ('Call-ID' in body) return 'delete_session';
  return null;
}

/** The Call-ID a reply echoes ('-' when there is none, or it is not a valid one). */
export function callIdOf(body: unknown): string {
  const id = (body as Record<string, unknown> | null)?.['Call-ID'];
  return typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : '-';
}

/** The ids every join_queue reply carries, from a message that may be invalid. */
export function joinReplyIds(body: unknown): { 'Call-ID': string; 'Session-ID': string; 'Join-Queue-ID': string } {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    'Call-ID': callIdOf(body),
    'Session-ID': String(b['Session-ID'] ?? '').slice(0, 128) || '-',
    'Join-Queue-ID': /^[0-9a-f]{32}$/.test(String(b['Join-Queue-ID'])) ? String(b['Join-Queue-ID']) : '0'.repeat(32),
  };
}

/** KAZOO's failure reply of its kind for a message that is not valid. */
export function invalidReply(kind: SessionRequestKind, body: unknown): Record<string, unknown> {
  const failed = { Result: 'failed', Reason: 'invalid_message', 'Error-Message': `invalid ${kind}` };
  return kind === 'join_queue' ? { ...joinReplyIds(body), ...failed } : { 'Call-ID': callIdOf(body), ...failed };
}
