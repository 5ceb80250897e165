/**
 * `npm start -- --demo-calls`: calls flow as soon as the embedded service is up. A small queue
 * ("Demo queue") is created through the directory (as the queue API would: the running queue
 * process gets it), the demo agents are its roster, and the simulator's caller mode logs them in
 * Ready and plays callers (KAZOO's callflow side) and the agents' phones; the service's queue
 * process does the routing, so the wallboard shows callers waiting, ringing and answered.
 */
import { RecipientBusClient, type RpcCaller } from '@qubicle/client';
import { busEvents } from '../../tools/simulator/src/bus-events.js';
import { runCallers, type CallerResult } from '../../tools/simulator/src/callers.js';
import type { Bus } from '@qubicle/transport';

/** what the demo logs (the embedded service's logger fits) */
export interface DemoLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const DEMO_QUEUE_NAME = 'Demo queue';

export interface DemoCalls {
  queueId: string;
  /** callers hang up, the run ends */
  stop(): Promise<void>;
}

/** Creates (or finds) the demo queue with the account's agents on its roster and starts the callers. */
export async function startDemoCalls(o: { bus: Pick<Bus, 'call' | 'subscribe'> & RpcCaller; accountId: string; adminId: string; logger: DemoLogger }): Promise<DemoCalls> {
  const client = new RecipientBusClient({ caller: o.bus, timeoutMs: 10_000, service: 'qubicle-demo-calls' });
  const A = o.accountId;
  const existing = (await client.directory({ type: 'queue_list', account_id: A })).find((q) => q.name === DEMO_QUEUE_NAME);
  // ring 10 s, 3 s of wrap-up: long enough to be seen on the wallboard, short enough to keep calls moving
  const queueId = existing?.id ?? (await client.directory({ type: 'queue_create', account_id: A, queue: { name: DEMO_QUEUE_NAME, ring_timeout: 10, agent_wrapup_time: 3 } })).doc.id;
  const agents = (await client.directory({ type: 'recipient_list', account_id: A })).filter((r) => r.id !== o.adminId).map((r) => r.id);
  if (agents.length === 0) throw new Error('demo calls: the demo account has no agents');
  await client.directory({ type: 'queue_roster_set', account_id: A, queue_id: queueId, recipients: agents });

  const controller = new AbortController();
  const run: Promise<CallerResult | undefined> = runCallers(
    {
      account: A,
      queue: queueId,
      calls: 1_000_000,
      // more callers than agents: some wait, so the queue panel shows a line
      concurrency: agents.length + 2,
      answerProb: 0.85,
      rejectProb: 0.05,
      ringMs: 1_500,
      talkMs: 6_000,
      patienceMs: 30_000,
      login: true,
      awayMs: 3_000,
      summaryMs: 0,
      stallMs: 86_400_000,
      seed: Date.now() % 2 ** 31,
    },
    {
      caller: o.bus,
      subscribe: busEvents(o.bus),
      signal: controller.signal,
      onCallEnded: (c) => o.logger.info({ queue_id: queueId, session_id: c.sessionId, recipient_id: c.recipientId }, c.outcome === 'handled' ? 'demo call handled' : 'demo call abandoned'),
    },
  ).catch((err: unknown) => {
    o.logger.error({ err }, 'demo calls stopped');
    return undefined;
  });
  o.logger.info({ queue_id: queueId, agents: agents.length }, 'demo calls: simulated callers are joining the demo queue');
  return {
    queueId,
    async stop() {
      controller.abort();
      await run;
    },
  };
}
