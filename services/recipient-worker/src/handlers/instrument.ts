/**
 * Wraps an RPC handler of the worker (shard queues, directory queue): one JSON log line and one
 * metric sample per message handled — command type, outcome (ok, the reply's error code, no_reply),
 * duration, and the request id the gateway put on the message (`x-request-id`) with the AMQP
 * correlation id, so that one grep for a request id follows a request from the gateway's access
 * line to the worker's line.
 *
 * Never logs the body: directory bodies carry passwords, md5 credentials and api keys. Only the
 * type and the ids of the recipient (not secrets) are picked from it.
 */
import { NO_REPLY, type IncomingMessage, type Logger, type RpcHandler } from '@qubicle/transport';
import type { WorkerMetricsSink } from '../metrics.js';

export interface InstrumentOptions {
  logger: Logger;
  metrics: Pick<WorkerMetricsSink, 'command'>;
  /** The command types this queue knows; anything else is logged and counted as "unknown". */
  commands: readonly string[];
}

export function instrumentHandler(handler: (msg: IncomingMessage) => Promise<unknown>, opts: InstrumentOptions): RpcHandler {
  const known = new Set(opts.commands);
  return async (msg) => {
    const started = performance.now();
    const body = (typeof msg.body === 'object' && msg.body !== null ? msg.body : {}) as Record<string, unknown>;
    const command = typeof body['type'] === 'string' && known.has(body['type']) ? body['type'] : 'unknown';
    let outcome = 'internal';
    try {
      const reply = await handler(msg);
      outcome = outcomeOf(reply);
      return reply;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      opts.metrics.command(command, outcome, seconds);
      const line: Record<string, unknown> = {
        request_id: msg.requestId,
        correlation_id: msg.correlationId,
        queue: msg.routingKey,
        command,
        outcome,
        duration_ms: Math.round(seconds * 1e4) / 10,
      };
      for (const field of ['account_id', 'recipient_id'] as const) {
        const v = body[field];
        if (typeof v === 'string' && v.length <= 64) line[field] = v;
      }
      if (msg.redelivered) line['redelivered'] = true;
      if (outcome === 'internal') opts.logger.warn(line, 'command');
      else opts.logger.info(line, 'command');
    }
  };
}

function outcomeOf(reply: unknown): string {
  if (reply === NO_REPLY) return 'no_reply';
  // other transport markers (e.g. a requeue request) by their description
  if (typeof reply === 'symbol') return reply.description ?? 'symbol';
  if (typeof reply !== 'object' || reply === null) return 'internal';
  const r = reply as { ok?: unknown; error?: { code?: unknown } };
  if (r.ok === true) return 'ok';
  return typeof r.error?.code === 'string' ? r.error.code : 'internal';
}
