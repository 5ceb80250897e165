/**
 * Point 7 of the queue issue with real processes: kill -9 of the worker holding a queue with
 * waiting callers and one ringing. The survivor takes the queue's shard, loads the queue's state
 * (fenced by the lease), re-arms its timers and re-sends the outstanding offer under its own epoch
 * (same command id: the recipient does not ring twice). No caller lost, none offered to two
 * recipients at once, the order kept.
 */
import { strict as assert } from 'node:assert';
import { newKazooId, type ListQueueSessionsReply, type RecipientStatus } from '@qubicle/contracts';
import { QueueBusClient } from '@qubicle/client';
import { Cluster, twoWorkerCluster, until } from './support/cluster.js';
import { kazooSession } from './support/loaded-queue.js';

const TTL = 3000;
const CALLERS = 30;

/** Each suite's queue client, over its cluster's bus. */
const queueClientOf = (c: Cluster) => new QueueBusClient({ caller: c.bus, shardCount: 16, timeoutMs: 10_000, service: 'cluster-test' });


describe('cluster: a queue survives kill -9 of the worker running it', function () {
  this.timeout(180_000);
  let c: Cluster;
  let queues: QueueBusClient;

  twoWorkerCluster({ leaseTtlMs: TTL }, (cluster) => {
    c = cluster;
    queues = queueClientOf(cluster);
  });

  it('0 callers lost, 0 offered twice, order kept; the ringing offer is re-sent under the new epoch and answered', async () => {
    const [m1, m2] = await c.createRecipients(2);
    // the queue and its roster through the queue API (the workers' queues read its store)
    const created = await c.api('PUT', `/v2/accounts/${c.accountId}/qubicle_queues`, { data: { name: 'Failover', ring_timeout: 120, agent_wrapup_time: 0, timeout: 3600 } });
    assert.equal(created.status, 201, created.text);
    const Q = created.body.data.id as string;
    const roster = await c.api('POST', `/v2/accounts/${c.accountId}/qubicle_queues/${Q}/recipients`, { data: [m1, m2] });
    assert.equal(roster.status, 200, roster.text);
    const started = await queues.ensureStarted(c.accountId, [Q]);
    const entry = started[Q];
    assert.ok(entry && entry !== 'unknown_queue', JSON.stringify(started));
    const owner = entry.node;
    const survivor = owner === 'w1' ? 'w2' : 'w1';

    // callers of two priorities, nobody logged in: all wait
    const sessions: string[] = [];
    for (let i = 0; i < CALLERS; i++) {
      const callId = `fo-${i}-${newKazooId()}`;
      const created = await kazooSession(c, { Call: { 'Caller-ID-Number': String(i) }, 'Call-ID': callId, 'Session-Type': 'callflow' });
      assert.equal(created['Result'], 'ok', JSON.stringify(created));
      const joined = await kazooSession(c, { Call: {}, 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': created['Session-ID'], Priority: i % 10 === 0 ? 5 : 0 });
      assert.equal(joined['Result'], 'ok', JSON.stringify(joined));
      sessions.push(created['Session-ID'] as string);
    }
    // one member Ready: the first caller in routing order rings there
    await c.client.login(c.accountId, m1!);
    await c.client.setStatus(c.accountId, m1!, 'ready');
    const ringing: ListQueueSessionsReply = await until('the first caller to ring', 15_000, async () => {
      const l = await queues.sessions(c.accountId, Q);
      return l.sessions[0]?.state === 'ringing' ? l : undefined;
    });
    const order = ringing.sessions.map((s) => s.session_id);
    assert.equal(order.length, CALLERS);
    assert.deepEqual(new Set(order), new Set(sessions));
    // priority 5 first (callers 0, 10, 20), then the others in the order they joined
    assert.deepEqual(order.slice(0, 3), [sessions[0], sessions[10], sessions[20]]);
    const first = order[0]!;
    assert.equal(ringing.sessions[0]!.recipient_id, m1);

    c.signal(owner, 'SIGKILL');
    await c.nodes.get(owner)!.exited;
    const killedAt = Date.now();
    const after: ListQueueSessionsReply = await until('the survivor to run the queue', 30_000, async () => {
      try {
        const st = (await queues.status(c.accountId, [Q]))[Q];
        if (!st || st === 'unknown_queue' || st.status.node !== survivor) return undefined;
        return await queues.sessions(c.accountId, Q);
      } catch {
        return undefined;
      }
    }, 200);
    process.stdout.write(`    queue routable again ${Date.now() - killedAt} ms after kill -9 (TTL ${TTL} ms, ${CALLERS} callers)\n`);
    assert.deepEqual(after.sessions.map((s) => s.session_id), order, 'no caller lost, order kept');
    assert.equal(after.sessions[0]!.state, 'ringing');
    assert.equal(after.sessions.filter((s) => s.state === 'ringing').length, 1, 'one ringing caller, at one recipient');

    // the recipient rings once for it: still that one offer, never a second caller
    const st = (await c.client.status(c.accountId, m1!)) as RecipientStatus;
    assert.equal(st.availability_state, 'Call-Offer');
    assert.equal(st.offered_call?.session_id, first);
    await c.client.answer(c.accountId, m1!, first);
    await until('the answered caller to leave the queue', 15_000, async () => {
      const l = await queues.sessions(c.accountId, Q);
      return l.sessions.length === CALLERS - 1 ? l : undefined;
    });
    // the second member: offered the next caller in order
    await c.client.login(c.accountId, m2!);
    await c.client.setStatus(c.accountId, m2!, 'ready');
    const next = await until('the next caller to ring at m2', 15_000, async () => {
      const s = (await c.client.status(c.accountId, m2!)) as RecipientStatus;
      return s.availability_state === 'Call-Offer' ? s : undefined;
    });
    assert.equal(next.offered_call?.session_id, order[1]);
    const offersTo = (r: string) => new Set(c.events.filter((e) => e.recipient_id === r && e.event === 'offer').map((e) => e.call?.session_id));
    assert.deepEqual([...offersTo(m1!)], [first], 'm1 was offered one caller only');
    assert.deepEqual([...offersTo(m2!)], [order[1]], 'm2 was offered one caller only');
  });
});

describe('cluster: a frozen (SIGSTOP) queue worker woken after its successor took over routes nothing', function () {
  this.timeout(180_000);
  let c: Cluster;
  let queues: QueueBusClient;

  twoWorkerCluster({ leaseTtlMs: TTL }, (cluster) => {
    c = cluster;
    queues = queueClientOf(cluster);
  });

  it('every member is offered one caller only, the callers in order; the zombie is fenced', async () => {
    const members = await c.createRecipients(3);
    // the queue and its roster through the queue API (the workers' queues read its store)
    const created = await c.api('PUT', `/v2/accounts/${c.accountId}/qubicle_queues`, { data: { name: 'Zombie', ring_timeout: 120, agent_wrapup_time: 0, timeout: 3600, tick_time: 250 } });
    assert.equal(created.status, 201, created.text);
    const Q = created.body.data.id as string;
    const roster = await c.api('POST', `/v2/accounts/${c.accountId}/qubicle_queues/${Q}/recipients`, { data: members });
    assert.equal(roster.status, 200, roster.text);
    const started = (await queues.ensureStarted(c.accountId, [Q]))[Q];
    assert.ok(started && started !== 'unknown_queue');
    const owner = started.node;
    const survivor = owner === 'w1' ? 'w2' : 'w1';
    const sessions: string[] = [];
    for (let i = 0; i < 6; i++) {
      const callId = `zo-${i}-${newKazooId()}`;
      const created = await kazooSession(c, { Call: {}, 'Call-ID': callId, 'Session-Type': 'callflow' });
      const joined = await kazooSession(c, { Call: {}, 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': created['Session-ID'] });
      assert.equal(joined['Result'], 'ok', JSON.stringify(joined));
      sessions.push(created['Session-ID'] as string);
    }
    // m0 Ready before the freeze: the first caller rings there
    await c.client.login(c.accountId, members[0]!);
    await c.client.setStatus(c.accountId, members[0]!, 'ready');
    await until('the first caller to ring', 15_000, async () => ((await queues.sessions(c.accountId, Q)).sessions[0]?.state === 'ringing' ? true : undefined));

    // Frozen while it writes, the owner would keep the shared SQLite file's write lock (the store
    // would then answer nobody until SIGCONT, as docs/cluster.md says of a locked SQLite): freeze it
    // once the writes of that offer are done (its events published and out of both outboxes).
    const sqlite = c.store as typeof c.store & { queues: { listQueueOutbox(shard: number): Promise<unknown[]> } };
    await until('the offer\'s writes to settle', 15_000, async () => {
      for (let shard = 0; shard < 16; shard++) {
        if ((await c.store.listOutbox(shard)).length > 0 || (await sqlite.queues.listQueueOutbox(shard)).length > 0) return undefined;
      }
      return true;
    }, 100);
    c.signal(owner, 'SIGSTOP');
    await until('the survivor to run the queue', 40_000, async () => {
      try {
        const st = (await queues.status(c.accountId, [Q]))[Q];
        return st && st !== 'unknown_queue' && st.status.node === survivor ? true : undefined;
      } catch {
        return undefined;
      }
    }, 200).catch(async (err: Error) => {
      const leases = (await c.store.listLeases().catch(() => [])).map((l) => `${l.shard}:${l.owner}@${l.epoch}`).join(' ');
      throw new Error(`${err.message}; leases: ${leases}; ${survivor}'s last lines:\n${c.nodes.get(survivor)!.lines.slice(-15).join('\n')}`);
    });
    // while the zombie sleeps, two more members become Ready: the survivor offers them the next callers
    for (const m of members.slice(1)) {
      await c.client.login(c.accountId, m);
      await c.client.setStatus(c.accountId, m, 'ready');
    }
    await until('three callers ringing', 15_000, async () => {
      const l = await queues.sessions(c.accountId, Q);
      return l.sessions.filter((s) => s.state === 'ringing').length === 3 ? l : undefined;
    });
    c.signal(owner, 'SIGCONT');
    // the zombie wakes with a stale view (its timers fire, buffered events may arrive): whatever it
    // tries, its offers carry the old epoch and its writes are fenced; the survivor's view holds
    await until('the zombie to give its shards up', 20_000, async () => ((await c.store.listLeases()).every((l) => l.owner !== owner) ? true : undefined), 200);
    const l = await queues.sessions(c.accountId, Q);
    assert.deepEqual(l.sessions.map((s) => s.session_id), sessions, 'no caller lost, order kept');
    assert.deepEqual(l.sessions.slice(0, 3).map((s) => s.state), ['ringing', 'ringing', 'ringing']);
    assert.deepEqual(l.sessions.slice(3).map((s) => s.state), ['waiting', 'waiting', 'waiting']);
    const ringingAt = new Map(l.sessions.slice(0, 3).map((s) => [s.recipient_id, s.session_id]));
    assert.equal(ringingAt.size, 3, 'three callers at three different members');
    for (const m of members) {
      const offered = new Set(c.events.filter((e) => e.recipient_id === m && e.event === 'offer').map((e) => e.call?.session_id));
      assert.deepEqual([...offered], [ringingAt.get(m)], `member ${m.slice(0, 6)} was offered one caller only`);
      const st = (await c.client.status(c.accountId, m)) as RecipientStatus;
      assert.equal(st.offered_call?.session_id, ringingAt.get(m));
    }
  });
});

