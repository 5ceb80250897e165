/**
 * The one copy of what both buses (AMQP and in-process) put on and read off the wire: the JSON
 * encoding of bodies, the headers the transport reads, the transport's own error replies and the
 * headers of a dead letter. Transport-neutral (no amqplib), so the memory bus and the services
 * use exactly the same rules as the RabbitMQ bus.
 */
import { parseJson, stringifyJson } from '@qubicle/contracts';
import { HEADER_DEADLINE, HEADER_REQUEST_ID, type IncomingMessage, type TransportErrorReply } from './bus.js';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A body as it arrives (any JSON text): refuses prototype keys and deep nesting (safe-json.ts). */
export function decodeBody(text: string): unknown {
  return parseJson(text);
}

/**
 * A request or event body as JSON text: a value that cannot be serialised (a cycle, too deep for
 * the stack) throws UnsafeJsonError (an invalid_message, a 400 at the gateway), on both buses.
 */
export function encodeBody(body: unknown): string {
  return stringifyJson(body);
}

/**
 * A reply body as JSON text. One that cannot be serialised (a cycle, too deep) becomes the
 * transport's `internal` error reply: the caller hears that something failed instead of timing out.
 */
export function encodeReply(body: unknown, onError?: (err: unknown) => void): string {
  try {
    return stringifyJson(body);
  } catch (err) {
    onError?.(err);
    return stringifyJson(errorReply('internal', `reply not serialisable: ${errorMessage(err)}`));
  }
}

export function errorReply(code: TransportErrorReply['error']['code'], message: string): TransportErrorReply {
  return { ok: false, error: { code, message } };
}

/** Header `x-deadline` (absolute epoch ms, number or numeric string), if it is one. */
export function readDeadline(headers: Record<string, unknown>): number | undefined {
  const raw = headers[HEADER_DEADLINE];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** What a bus knows of a delivered message, whatever the broker. */
export interface WireMessage {
  /** the body as text, not yet parsed (it may not be JSON) */
  content: string;
  /** the queue it was consumed from */
  queue: string;
  routingKey: string;
  headers: Record<string, unknown>;
  redelivered: boolean;
  messageId?: string;
  correlationId?: string;
  /** absent or '' = fire-and-forget */
  replyTo?: string;
  userId?: string;
}

/** The message a handler sees: the parsed body plus what the transport read from the headers. */
export function toIncoming(msg: WireMessage, body: unknown): IncomingMessage {
  const headers = msg.headers;
  const incoming: IncomingMessage = { body, redelivered: msg.redelivered, headers, routingKey: msg.routingKey };
  if (msg.messageId !== undefined) incoming.messageId = msg.messageId;
  if (msg.correlationId !== undefined) incoming.correlationId = msg.correlationId;
  if (msg.replyTo !== undefined && msg.replyTo !== '') incoming.replyTo = msg.replyTo;
  const requestId = headers[HEADER_REQUEST_ID];
  if (typeof requestId === 'string') incoming.requestId = requestId;
  if (msg.userId !== undefined && msg.userId !== '') incoming.userId = msg.userId;
  const deadline = readDeadline(headers);
  if (deadline !== undefined) incoming.deadline = deadline;
  return incoming;
}

/** `x-reason` longer than this is cut: a header is no place for a whole validation report. */
export const DEAD_LETTER_REASON_MAX = 1000;

/** The headers a dead letter gets (docs/bus.md#dead-lettering), for every cause. */
export const DEAD_LETTER_HEADERS = {
  /** `<code>: <detail>`, e.g. `invalid_message: invalid JSON: …` (at most DEAD_LETTER_REASON_MAX characters) */
  reason: 'x-reason',
  /** the queue the message was consumed from */
  originalQueue: 'x-original-queue',
  /** its AMQP correlation id, '' if it had none */
  correlationId: 'x-correlation-id',
  /** its AMQP message id; only when it had one */
  originalMessageId: 'x-original-message-id',
} as const;

/**
 * The one dead-letter header builder: the message's own headers (`x-request-id` and whatever its
 * sender set), then the four `x-…` headers above, which always win over a sender's.
 */
export function deadLetterHeaders(msg: {
  queue: string;
  headers?: Record<string, unknown>;
  messageId?: string;
  correlationId?: string;
  reason: string;
}): Record<string, unknown> {
  const headers: Record<string, unknown> = {
    ...msg.headers,
    [DEAD_LETTER_HEADERS.reason]: msg.reason.slice(0, DEAD_LETTER_REASON_MAX),
    [DEAD_LETTER_HEADERS.originalQueue]: msg.queue,
    [DEAD_LETTER_HEADERS.correlationId]: msg.correlationId ?? '',
  };
  if (msg.messageId !== undefined && msg.messageId !== '') headers[DEAD_LETTER_HEADERS.originalMessageId] = msg.messageId;
  return headers;
}
