/**
 * Point 7 of the queue issue with real processes: kill -9 of the worker holding a queue with
 * waiting callers and one ringing. The survivor takes the queue's shard, loads the queue's state
 * (fenced by the lease), re-arms its timers and re-sends the outstanding offer under its own epoch
 * (same command id: the recipient does not ring twice). No caller lost, none offered to two
 * recipients at once, the order kept.
 */
import { strict as assert } from 'node:assert';
import { QUEUE_SESSIONS_QUEUE, newKazooId, type ListQueueSessionsReply, type RecipientStatus } from '@qubicle/contracts';
import { QueueBusClient } from '@qubicle/client';
import { Cluster, until } from './support/cluster.js';

const TTL = 3000;
const CALLERS = 30;

describe('cluster: a queue survives kill -9 of the worker running it', function () {
  this.timeout(180_000);
  let c: Cluster;
  let queues: QueueBusClient;
  let Q = '';

  before(async function () {
    this.timeout(180_000);
    c = await Cluster.create({ queueType: 'classic', leaseTtlMs: TTL, shardCount: 16 });
    c.spawnWorker('w1');
    c.spawnWorker('w2');
    await Promise.all(['w1', 'w2'].map((n) => c.waitForWorker(n)));
    await c.startGateway();
    await c.waitBalanced(['w1', 'w2'], 30_000);
    await c.captureEvents();
    queues = new QueueBusClient({ caller: c.bus, shardCount: 16, timeoutMs: 10_000, service: 'cluster-test' });
  });
  after(async function () {
    this.timeout(30_000);
    await c?.stop({ failed: this.currentTest?.state === 'failed' });
  });

  const kazoo = (body: Record<string, unknown>) => c.bus.call(QUEUE_SESSIONS_QUEUE, { 'Account-ID': c.accountId, 'Msg-ID': newKazooId(), ...body }, { timeoutMs: 10_000 }) as Promise<Record<string, unknown>>;

  it('0 callers lost, 0 offered twice, order kept; the ringing offer is re-sent under the new epoch and answered', async () => {
    const [m1, m2] = await c.createRecipients(2);
    // the queue and its roster through the queue API (the workers' queues read its store)
    const created = await c.api('PUT', `/v2/accounts/${c.accountId}/qubicle_queues`, { data: { name: 'Failover', ring_timeout: 120, agent_wrapup_time: 0, timeout: 3600 } });
    assert.equal(created.status, 201, created.text);
    Q = created.body.data.id as string;
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
      const created = await kazoo({ Call: { 'Caller-ID-Number': String(i) }, 'Call-ID': callId, 'Session-Type': 'callflow' });
      assert.equal(created['Result'], 'ok', JSON.stringify(created));
      const joined = await kazoo({ Call: {}, 'Call-ID': callId, 'Join-Queue-ID': Q, 'Session-ID': created['Session-ID'], Priority: i % 10 === 0 ? 5 : 0 });
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
