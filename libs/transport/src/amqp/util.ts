import type { ConsumeMessage } from 'amqplib';
import type { IncomingMessage } from '../bus.js';
import { toIncoming as wireToIncoming, type WireMessage } from '../wire.js';
import { TransportError } from '../errors.js';

/** A delivery as the serve policy and the handlers see it (wire.ts). */
export function toWire(msg: ConsumeMessage, queue: string): WireMessage {
  const wire: WireMessage = {
    content: msg.content.toString('utf8'),
    queue,
    routingKey: msg.fields.routingKey,
    headers: { ...(msg.properties.headers ?? {}) },
    redelivered: msg.fields.redelivered,
  };
  if (typeof msg.properties.messageId === 'string') wire.messageId = msg.properties.messageId;
  if (typeof msg.properties.correlationId === 'string') wire.correlationId = msg.properties.correlationId;
  if (typeof msg.properties.replyTo === 'string' && msg.properties.replyTo !== '') wire.replyTo = msg.properties.replyTo;
  if (typeof msg.properties.userId === 'string' && msg.properties.userId !== '') wire.userId = msg.properties.userId;
  return wire;
}

/** The message an event handler sees (the body already parsed). */
export function toIncoming(msg: ConsumeMessage, body: unknown): IncomingMessage {
  return wireToIncoming(toWire(msg, ''), body);
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

/** Sync exceptions thrown by amqplib on a closed channel/connection (IllegalOperationError). */
export function swallow(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
