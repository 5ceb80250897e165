/**
 * THE serving policy of an RPC queue, for both buses (amqp/rpc-server.ts, memory/memory-bus.ts):
 * what becomes of a delivered message, and of what its handler did. Pure: no broker, no clock of
 * its own (`now` is given), no I/O; each bus only carries out the disposition it gets.
 *
 * Before the handler (no `outcome`), in this order:
 *   1. past its `x-deadline`                       → drop-expired (ack; no handler, no reply: the caller gave up)
 *   2. a replyTo this bus cannot answer            → dead-letter `invalid_reply_to: …` (never executed:
 *                                                    on RabbitMQ 3.10-3.12 the reply would close the connection)
 *   3. not JSON (or unsafe JSON, safe-json.ts)     → with replyTo: reply `invalid_message`; without: dead-letter
 *   4. otherwise                                   → handle (the parsed message)
 * After the handler (`outcome` given):
 *   threw → reply `internal` (fire-and-forget: ack); REQUEUE → requeue; NO_REPLY → ack;
 *   a value → reply it (fire-and-forget: ack).
 * A dead letter needs a dead-letter exchange (ServeOptions.deadLetterExchange): without one it is
 * a reject (nack without requeue: the queue's own DLX, if any, else dropped). Never requeued.
 */
import { NO_REPLY, REQUEUE, type IncomingMessage } from './bus.js';
import { deadLetterHeaders, decodeBody, errorMessage, errorReply, readDeadline, toIncoming, type WireMessage } from './wire.js';

/** Why a message was not simply handled and answered; for the executors' log lines. */
export type DispositionCause = 'invalid_reply_to' | 'invalid_json' | 'handler_threw';

export type Disposition =
  /** ack, nothing runs, nothing is sent */
  | { kind: 'drop-expired'; deadline: number }
  /** run the handler with this message, then ask again with its outcome */
  | { kind: 'handle'; message: IncomingMessage }
  /** send `body` to the message's replyTo, then ack */
  | { kind: 'reply'; body: unknown; cause?: DispositionCause }
  /** ack, nothing is sent (fire-and-forget, or NO_REPLY) */
  | { kind: 'ack' }
  /** publish the raw content with `headers` to `exchange`/`routingKey`, then ack (if it cannot be published: reject) */
  | { kind: 'dead-letter'; exchange: string; routingKey: string; headers: Record<string, unknown>; reason: string; cause: DispositionCause }
  /** nack without requeue */
  | { kind: 'reject'; reason: string; cause: DispositionCause }
  /** nack with requeue: the next consumer of the queue gets it */
  | { kind: 'requeue' };

export type HandlerOutcome = { returned: unknown } | { threw: unknown };

export interface ServePolicy {
  /** ServeOptions.deadLetterExchange */
  deadLetterExchange?: string | undefined;
  /** Why this bus cannot send a reply to `replyTo`, or undefined when it can. */
  replyAddressProblem(replyTo: string): string | undefined;
}

export function decide(msg: WireMessage, now: number, policy: ServePolicy, outcome?: HandlerOutcome): Disposition {
  const replyTo = msg.replyTo === '' ? undefined : msg.replyTo;
  if (outcome !== undefined) return afterHandler(replyTo, outcome);

  const deadline = readDeadline(msg.headers);
  if (deadline !== undefined && now > deadline) return { kind: 'drop-expired', deadline };

  const unanswerable = replyTo === undefined ? undefined : policy.replyAddressProblem(replyTo);
  if (unanswerable !== undefined) return refuse(msg, policy, `invalid_reply_to: ${unanswerable}`, 'invalid_reply_to');

  let body: unknown;
  try {
    body = decodeBody(msg.content);
  } catch (err) {
    const why = `invalid JSON: ${errorMessage(err)}`;
    if (replyTo !== undefined) return { kind: 'reply', body: errorReply('invalid_message', why), cause: 'invalid_json' };
    return refuse(msg, policy, `invalid_message: ${why}`, 'invalid_json');
  }
  return { kind: 'handle', message: toIncoming(msg, body) };
}

function afterHandler(replyTo: string | undefined, outcome: HandlerOutcome): Disposition {
  if ('threw' in outcome) {
    return replyTo === undefined ? { kind: 'ack' } : { kind: 'reply', body: errorReply('internal', errorMessage(outcome.threw)), cause: 'handler_threw' };
  }
  const result = outcome.returned;
  if (result === REQUEUE) return { kind: 'requeue' };
  if (result === NO_REPLY || replyTo === undefined) return { kind: 'ack' };
  return { kind: 'reply', body: result };
}

/** A message nobody can be told about: to the dead-letter exchange, or rejected without one. */
function refuse(msg: WireMessage, policy: ServePolicy, reason: string, cause: DispositionCause): Disposition {
  if (policy.deadLetterExchange === undefined) return { kind: 'reject', reason, cause };
  const headers = deadLetterHeaders({ queue: msg.queue, headers: msg.headers, reason, ...ids(msg) });
  return { kind: 'dead-letter', exchange: policy.deadLetterExchange, routingKey: msg.queue, headers, reason, cause };
}

function ids(msg: WireMessage): { messageId?: string; correlationId?: string } {
  const out: { messageId?: string; correlationId?: string } = {};
  if (msg.messageId !== undefined) out.messageId = msg.messageId;
  if (msg.correlationId !== undefined) out.correlationId = msg.correlationId;
  return out;
}
