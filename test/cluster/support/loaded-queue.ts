/**
 * A queue under load on a real cluster, for the kill -9 test with 500 waiting and 20 ringing
 * callers (test/cluster/queue-failover-load.test.ts) and the queue-failover benchmark
 * (bench/queue-failover.ts): the queue and its roster through the gateway's queue API, callers
 * through KAZOO's session messages (create_session + join_queue on QUEUE_SESSIONS_QUEUE, as the
 * callflow sends them), members logged in and set Ready through the bus.
 */
import { QUEUE_SESSIONS_QUEUE, newKazooId, type ListQueueSessionsReply } from '@qubicle/contracts';
import { QueueBusClient } from '@qubicle/client';
import { type Cluster, until } from './cluster.js';

export interface LoadedQueue {
  queueId: string;
  owner: string;
  members: string[];
  /** session ids in the order they joined */
  joined: string[];
  /** session ids in routing order (priority, then FIFO), as the owner listed them with `ringing` ringing */
  order: string[];
  /** the ringing callers: session id → recipient id */
  ringing: Map<string, string>;
  queues: QueueBusClient;
}

/** Every 10th caller joins at priority 5, the others at 0: the routing order the queue must keep. */
export const priorityOf = (i: number): number => (i % 10 === 0 ? 5 : 0);

/** The routing order of callers joined in `joined` order with priorityOf: priority 5 first, FIFO within each. */
export function expectedOrder(joined: readonly string[]): string[] {
  const idx = joined.map((_, i) => i);
  return idx.filter((i) => priorityOf(i) === 5).concat(idx.filter((i) => priorityOf(i) !== 5)).map((i) => joined[i]!);
}

/** A KAZOO qubicle_session request for the cluster's account (a fresh Msg-ID); its reply. */
export const kazooSession = (c: Cluster, body: Record<string, unknown>): Promise<Record<string, unknown>> =>
  c.bus.call(QUEUE_SESSIONS_QUEUE, { 'Account-ID': c.accountId, 'Msg-ID': newKazooId(), ...body }, { timeoutMs: 30_000 }) as Promise<Record<string, unknown>>;

/**
 * `callers` callers join a fresh queue of `ringing` members (one by one: the join order is the
 * FIFO order), then the members log in and go Ready: the first `ringing` callers in routing order
 * ring, one at each member, the rest wait.
 */
export async function loadQueue(c: Cluster, o: { callers: number; ringing: number; name: string }): Promise<LoadedQueue> {
  const queues = new QueueBusClient({ caller: c.bus, shardCount: c.opts.shardCount, timeoutMs: 30_000, service: 'cluster-test' });
  const members = await c.createRecipients(o.ringing);
  const created = await c.api('PUT', `/v2/accounts/${c.accountId}/qubicle_queues`, { data: { name: o.name, ring_timeout: 3600, agent_wrapup_time: 0, timeout: 86_400 } });
  if (created.status !== 201) throw new Error(`queue create: ${created.status} ${created.text}`);
  const queueId = created.body.data.id as string;
  const roster = await c.api('POST', `/v2/accounts/${c.accountId}/qubicle_queues/${queueId}/recipients`, { data: members });
  if (roster.status !== 200) throw new Error(`roster: ${roster.status} ${roster.text}`);
  const started = (await queues.ensureStarted(c.accountId, [queueId]))[queueId];
  if (!started || started === 'unknown_queue') throw new Error(`queue not started: ${JSON.stringify(started)}`);

  const joined: string[] = [];
  for (let i = 0; i < o.callers; i++) {
    const callId = `load-${i}-${newKazooId()}`;
    const session = await kazooSession(c, { Call: { 'Caller-ID-Number': String(i) }, 'Call-ID': callId, 'Session-Type': 'callflow' });
    if (session['Result'] !== 'ok') throw new Error(`create_session ${i}: ${JSON.stringify(session)}`);
    const join = await kazooSession(c, { Call: {}, 'Call-ID': callId, 'Join-Queue-ID': queueId, 'Session-ID': session['Session-ID'], Priority: priorityOf(i) });
    if (join['Result'] !== 'ok') throw new Error(`join_queue ${i}: ${JSON.stringify(join)}`);
    joined.push(session['Session-ID'] as string);
  }
  for (const m of members) {
    await c.client.login(c.accountId, m);
    await c.client.setStatus(c.accountId, m, 'ready');
  }
  const list = await until(`${o.ringing} callers ringing`, 30_000, async () => {
    const l = await queues.sessions(c.accountId, queueId);
    return l.sessions.filter((s) => s.state === 'ringing').length === o.ringing ? l : undefined;
  }, 200);
  return { queueId, owner: started.node, members, joined, order: list.sessions.map((s) => s.session_id), ringing: ringingOf(list), queues };
}

export function ringingOf(l: ListQueueSessionsReply): Map<string, string> {
  return new Map(l.sessions.filter((s) => s.state === 'ringing').map((s) => [s.session_id, s.recipient_id!]));
}

/**
 * Right after a kill -9 of the owner: polls until `survivor` runs the queue and lists every caller
 * of `expected` (the queue is routable again there); returns that list and the ms it took.
 */
export async function untilSurvivorLists(c: Cluster, q: LoadedQueue, survivor: string, expected: number, timeoutMs = 60_000): Promise<{ list: ListQueueSessionsReply; ms: number }> {
  const t0 = performance.now();
  const list = await until('the survivor to run the queue', timeoutMs, async () => {
    try {
      const st = (await q.queues.status(c.accountId, [q.queueId], { timeoutMs: 2_000 }))[q.queueId];
      if (!st || st === 'unknown_queue' || st.status.node !== survivor) return undefined;
      const l = await q.queues.sessions(c.accountId, q.queueId, { timeoutMs: 2_000 });
      return l.sessions.length === expected ? l : undefined;
    } catch {
      return undefined;
    }
  }, 50);
  return { list, ms: performance.now() - t0 };
}
