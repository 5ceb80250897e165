import type { ConsumeMessage } from 'amqplib';
import { HEADER_DEADLINE, HEADER_REQUEST_ID, type IncomingMessage } from '../bus.js';
import { TransportError } from '../errors.js';

export function readDeadline(headers: Record<string, unknown>): number | undefined {
  const raw = headers[HEADER_DEADLINE];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function toIncoming(msg: ConsumeMessage, body: unknown): IncomingMessage {
  const headers: Record<string, unknown> = { ...(msg.properties.headers ?? {}) };
  const requestId = headers[HEADER_REQUEST_ID];
  const incoming: IncomingMessage = {
    body,
    redelivered: msg.fields.redelivered,
    headers,
    routingKey: msg.fields.routingKey,
  };
  if (typeof msg.properties.messageId === 'string') incoming.messageId = msg.properties.messageId;
  if (typeof msg.properties.correlationId === 'string') incoming.correlationId = msg.properties.correlationId;
  if (typeof msg.properties.replyTo === 'string' && msg.properties.replyTo !== '') incoming.replyTo = msg.properties.replyTo;
  if (typeof requestId === 'string') incoming.requestId = requestId;
  if (typeof msg.properties.userId === 'string' && msg.properties.userId !== '') incoming.userId = msg.properties.userId;
  const deadline = readDeadline(headers);
  if (deadline !== undefined) incoming.deadline = deadline;
  return incoming;
}

/** AMQP reply code carried by amqplib errors (channel/connection close), if any. */
export function amqpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A broker-side refusal (channel closed with a reply code) as TransportError('refused'). */
export function refused(err: unknown, what: string): TransportError {
  const message = err instanceof Error ? err.message : String(err);
  return new TransportError('refused', `${what}: ${message}`, { cause: err });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sync exceptions thrown by amqplib on a closed channel/connection (IllegalOperationError). */
export function swallow(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
