/**
 * KAZOO's qubicle_session messages, as callflow sends them on qubicle.queue.sessions: the one
 * way the e2e suites put a caller into (and out of) a queue. Each helper checks the reply's shape
 * and returns the validation result, so the test asserts on what came back.
 */
import { QUEUE_SESSIONS_QUEUE, newKazooId, validateCreateSessionReply, validateDeleteSessionReply, validateJoinQueueReply } from '@qubicle/contracts';
import type { System } from './system.js';

/** one qubicle_session request (a fresh Msg-ID unless the body carries one); the raw reply */
export const kazooSession = async (sys: System, body: Record<string, unknown>): Promise<unknown> =>
  sys.serviceBus.call(QUEUE_SESSIONS_QUEUE, { 'App-Name': 'callflow', 'Msg-ID': newKazooId(), ...body }, { timeoutMs: 10_000 });

export const createSession = async (sys: System, body: Record<string, unknown>) => validateCreateSessionReply(await kazooSession(sys, body));
export const joinQueue = async (sys: System, body: Record<string, unknown>) => validateJoinQueueReply(await kazooSession(sys, body));
export const deleteSession = async (sys: System, body: Record<string, unknown>) => validateDeleteSessionReply(await kazooSession(sys, body));
