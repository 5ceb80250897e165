/**
 * Results that change nothing: a read (a data reply) and a refusal (an error reply). Both hand back
 * the very same state object and no effects, so "a refused input changes nothing" holds by
 * construction, and neither is recorded for redelivery.
 */
import { errorReply, okReply, type QubicleError } from '@qubicle/contracts';
import { queueStatusOf } from './status.js';
import type { QueueEffect, QueueMachineContext, QueueState, QueueTransitionResult } from './types.js';

/**
 * Answers `data`, or the queue's status when omitted. The queue's own inputs (member statuses,
 * offer replies, timers) answer null: nobody reads those replies, and a status costs a pass over
 * the roster and the callers.
 */
export function read(state: QueueState | null, ctx: QueueMachineContext, data?: unknown, effects: QueueEffect[] = []): QueueTransitionResult {
  const reply = okReply(data === undefined && state ? queueStatusOf(state, ctx) : (data ?? null), ctx.node);
  return { state, effects, reply };
}

export function refuse(state: QueueState | null, error: QubicleError, ctx: QueueMachineContext): QueueTransitionResult {
  return { state, effects: [], reply: errorReply(error, ctx.node) };
}

export function notRunning(state: QueueState | null, queueId: string | undefined, ctx: QueueMachineContext, what: string): QueueTransitionResult {
  return refuse(state, { code: 'not_found', message: `queue ${queueId ?? ''} is not running (${what} needs a start first)`.replace('  ', ' '), cause: 'queue_not_running' }, ctx);
}
