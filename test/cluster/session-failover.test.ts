/**
 * Caller sessions through kill -9, with real processes (docs/queues.md, "Failover guarantees"):
 * callers wait in a queue, their sessions spread over both workers' shards; the worker holding
 * some of them is killed, and KAZOO hangs every caller up right away. Each delete_session is
 * answered (by the survivor once it took the dead worker's shards: a reply that did not come in
 * time is sent again with the same Msg-ID, as KAZOO's retry), and each session's events are on the
 * bus exactly once and in order: `create` (seq 1) then `delete` (seq 2, abandoned); the queue
 * holds nobody afterwards.
 */
import { strict as assert } from 'node:assert';
import { EVENTS_EXCHANGE, QUEUE_SESSIONS_QUEUE, newKazooId, shardOf, type SessionEvent } from '@qubicle/contracts';
import { QueueBusClient } from '@qubicle/client';
import type { QueueRuntimeStore } from '@qubicle/recipient-worker';
import { Cluster, twoWorkerCluster, until } from './support/cluster.js';

const TTL = 3000;
const SHARDS = 16;
const CALLERS = 24;

describe('cluster: caller sessions survive kill -9 of a worker holding them', function () {
  this.timeout(180_000);
  let cluster!: Cluster;
  twoWorkerCluster({ leaseTtlMs: TTL, shardCount: SHARDS }, (c) => (cluster = c));

  it('every hangup answered, every session created and ended exactly once, in order', async () => {
    const events: SessionEvent[] = [];
    await cluster.bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [`qubicle.session.${cluster.accountId}.#`], prefetch: 500 }, async (m) => void events.push(m.body as SessionEvent));
    const queues = new QueueBusClient({ caller: cluster.bus, shardCount: SHARDS, timeoutMs: 10_000, service: 'cluster-test' });
    const kazoo = (body: Record<string, unknown>) =>
      cluster.bus.call(QUEUE_SESSIONS_QUEUE, { 'Account-ID': cluster.accountId, Call: {}, ...body }, { timeoutMs: 10_000 }) as Promise<Record<string, unknown>>;

    const created = await cluster.api('PUT', `/v2/accounts/${cluster.accountId}/qubicle_queues`, { data: { name: 'Sessions', ring_timeout: 120, agent_wrapup_time: 0, timeout: 3600 } });
    assert.equal(created.status, 201, created.text);
    const Q = created.body.data.id as string;
    await queues.ensureStarted(cluster.accountId, [Q]);

    // nobody logged in: every caller waits
    const calls: Array<{ callId: string; sessionId: string }> = [];
    for (let i = 0; i < CALLERS; i++) {
      const callId = `sf-${i}-${newKazooId()}`;
      const made = await kazoo({ 'Msg-ID': newKazooId(), 'Call-ID': callId, 'Session-Type': 'callflow' });
      assert.equal(made['Result'], 'ok', JSON.stringify(made));
      const joined = await kazoo({ 'Msg-ID': newKazooId(), 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': made['Session-ID'] });
      assert.equal(joined['Result'], 'ok', JSON.stringify(joined));
      calls.push({ callId, sessionId: made['Session-ID'] as string });
    }
    // every create on the bus and out of the outboxes: what comes later is the failover's doing
    const runtime = (cluster.store as unknown as { queues: QueueRuntimeStore }).queues;
    await until('the create events', 15_000, () => events.filter((e) => e.event === 'create').length === CALLERS);
    await until('the session outboxes emptied', 15_000, async () => {
      for (let s = 0; s < SHARDS; s++) if ((await runtime.listSessionOutbox(s)).length > 0) return false;
      return true;
    });

    // the victim holds some of the sessions' shards (and the other some)
    const leases = await cluster.store.listLeases();
    const ownerOf = (callId: string) => leases.find((l) => l.shard === shardOf(cluster.accountId, callId, SHARDS))?.owner;
    const victim = ownerOf(calls[0]!.callId)!;
    const onVictim = calls.filter((x) => ownerOf(x.callId) === victim).length;
    assert.ok(onVictim > 0 && onVictim < CALLERS, `sessions on both workers (${onVictim} of ${CALLERS} on ${victim})`);

    cluster.signal(victim, 'SIGKILL');
    await cluster.nodes.get(victim)!.exited;
    const killedAt = Date.now();
    // KAZOO hangs everyone up at once: a reply that fails (no owner yet) is sent again, same Msg-ID
    const byes = await Promise.all(
      calls.map(async ({ callId }) => {
        const msgId = newKazooId();
        return until(`the hangup of ${callId}`, 30_000, async () => {
          const r = await kazoo({ 'Msg-ID': msgId, 'Call-ID': callId }).catch(() => undefined);
          return r && r['Result'] === 'ok' ? r : undefined;
        }, 200);
      }),
    );
    process.stdout.write(`    every hangup answered ${Date.now() - killedAt} ms after kill -9 (TTL ${TTL} ms, ${onVictim} of ${CALLERS} sessions on the killed worker)\n`);
    assert.deepEqual(byes.map((b) => b['End-Reason']), calls.map(() => 'abandoned'));
    assert.deepEqual(byes.map((b) => b['Session-ID']), calls.map((x) => x.sessionId));

    await until('the delete events', 15_000, () => events.filter((e) => e.event === 'delete').length >= CALLERS);
    // a late duplicate would come right behind: the survivor's outboxes empty first, then compare
    await until('the session outboxes emptied again', 15_000, async () => {
      for (let s = 0; s < SHARDS; s++) if ((await runtime.listSessionOutbox(s)).length > 0) return false;
      return true;
    });
    for (const { sessionId } of calls) {
      assert.deepEqual(
        events.filter((e) => e.session_id === sessionId).map((e) => [e.event, e.seq, e.reason ?? null]),
        [['create', 1, null], ['delete', 2, 'abandoned']],
        `the events of ${sessionId}: once each, in order`,
      );
    }
    const left = await queues.sessions(cluster.accountId, Q);
    assert.deepEqual(left.sessions, [], 'nobody left in the queue');
  });
});
