/**
 * The socket's answers to client messages: `{action: "reply", status, data}` (docs/live.md), and
 * the refusal a handler throws to be answered with an error reply (the socket stays open).
 */
import type { LiveErrorCode, LiveReply, LiveReplySuccessData, ValidationDetails } from '@qubicle/contracts';

/** A failure answered as an error reply. */
export class Refusal {
  constructor(
    readonly code: LiveErrorCode,
    readonly errors: string[],
    readonly details?: ValidationDetails,
  ) {}
}

export function successReplyJson(requestId: string | undefined, data: LiveReplySuccessData): string {
  const msg: LiveReply = requestId !== undefined ? { action: 'reply', request_id: requestId, status: 'success', data } : { action: 'reply', status: 'success', data };
  return JSON.stringify(msg);
}

export function errorReplyJson(requestId: string | undefined, r: Refusal): string {
  const data: Extract<LiveReply, { status: 'error' }>['data'] = { errors: r.errors, code: r.code };
  if (r.details) data.details = r.details;
  const msg: LiveReply = requestId !== undefined ? { action: 'reply', request_id: requestId, status: 'error', data } : { action: 'reply', status: 'error', data };
  return JSON.stringify(msg);
}
