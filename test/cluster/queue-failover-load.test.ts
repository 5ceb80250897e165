/**
 * Issue 13's test, with real processes: kill -9 of the worker holding a queue with 500 waiting
 * callers and 20 ringing (20 members logged in, each ringing for one caller). The survivor takes
 * the queue's shard and carries on from the stored state: 0 callers lost, 0 offered twice (no
 * caller ever at two members, no member ever ringing for two callers), the order kept (priority,
 * then FIFO), and the survivor then routes every caller, in that order, to the members as they
 * answer and hang up. How long the failover took is printed here and measured by the
 * queue-failover benchmark (bench/queue-failover.ts); tests assert correctness, not timers.
 */
import { strict as assert } from 'node:assert';
import type { RecipientStatus } from '@qubicle/contracts';
import { Cluster, twoWorkerCluster, until } from './support/cluster.js';
import { expectedOrder, loadQueue, ringingOf, untilSurvivorLists, type LoadedQueue } from './support/loaded-queue.js';

const TTL = 3000;
const WAITING = 500;
const RINGING = 20;
const CALLERS = WAITING + RINGING;

describe('cluster: kill -9 of the worker holding a queue with 500 waiting and 20 ringing callers', function () {
  this.timeout(600_000);
  let c!: Cluster;
  twoWorkerCluster({ leaseTtlMs: TTL, logLevel: 'warn' }, (cluster) => (c = cluster));

  it('0 lost, 0 offered twice, order kept; the survivor routes every caller again, in order', async () => {
    const q: LoadedQueue = await loadQueue(c, { callers: CALLERS, ringing: RINGING, name: 'Failover 520' });
    const survivor = q.owner === 'w1' ? 'w2' : 'w1';
    const order = expectedOrder(q.joined);
    assert.deepEqual(q.order, order, 'before the kill: priority first, then FIFO');
    assert.deepEqual([...q.ringing.keys()], order.slice(0, RINGING), 'the first 20 in order ring');
    assert.equal(new Set(q.ringing.values()).size, RINGING, 'at 20 different members');

    c.signal(q.owner, 'SIGKILL');
    await c.nodes.get(q.owner)!.exited;
    const { list, ms } = await untilSurvivorLists(c, q, survivor, CALLERS);
    process.stdout.write(`    ${CALLERS} callers listed by the survivor ${Math.round(ms)} ms after kill -9 (TTL ${TTL} ms)\n`);
    assert.deepEqual(list.sessions.map((s) => s.session_id), order, '0 callers lost, order kept');
    assert.deepEqual(ringingOf(list), q.ringing, 'the same 20 ringing at the same members: re-sent, not re-routed');

    // each ringing member still rings for its one caller (the re-sent offer has the same command id)
    for (const [session, member] of q.ringing) {
      const st = (await c.client.status(c.accountId, member)) as RecipientStatus;
      assert.equal(st.availability_state, 'Call-Offer');
      assert.equal(st.offered_call?.session_id, session);
    }

    // drain through the survivor: each wave the members answer and hang up; the next callers in
    // order ring, always the head of the queue
    let remaining = order;
    for (let wave = 0; remaining.length > 0; wave++) {
      const l = await until(`wave ${wave}: the head of the queue ringing`, 60_000, async () => {
        const s = await q.queues.sessions(c.accountId, q.queueId);
        const ringing = s.sessions.filter((x) => x.state === 'ringing').length;
        return s.sessions.length === remaining.length && ringing === Math.min(RINGING, remaining.length) ? s : undefined;
      }, 100);
      assert.deepEqual(l.sessions.map((s) => s.session_id), remaining, `wave ${wave}: no caller lost, order kept`);
      const head = l.sessions.slice(0, Math.min(RINGING, remaining.length));
      assert.ok(head.every((s) => s.state === 'ringing'), `wave ${wave}: the ringing callers are the head of the queue`);
      // as a phone: answer once the offer rang there (the queue lists a caller ringing as soon as it
      // decided, before its offer reached the recipient)
      await Promise.all(
        head.map(async (s) => {
          const offer = await until(`the offer of caller ${s.position} to ring`, 30_000, () => c.events.find((e) => e.event === 'offer' && e.call?.session_id === s.session_id));
          assert.equal(offer.recipient_id, s.recipient_id, 'rings where the queue says');
          await c.client.answer(c.accountId, s.recipient_id!, s.session_id);
          await c.client.hangup(c.accountId, s.recipient_id!, s.session_id);
        }),
      );
      remaining = remaining.slice(head.length);
    }
    assert.equal((await q.queues.sessions(c.accountId, q.queueId)).sessions.length, 0, 'every caller was delivered');

    // over the whole run: each caller offered to exactly one member, and answered there
    const delivered = await until('every delivered event captured', 30_000, () => {
      const d = c.events.filter((e) => e.event === 'delivered');
      return d.length >= CALLERS ? d : undefined;
    });
    const offeredTo = new Map<string, Set<string>>();
    for (const e of c.events) {
      if (e.event !== 'offer' || !e.call?.session_id) continue;
      const set = offeredTo.get(e.call.session_id) ?? new Set();
      set.add(e.recipient_id);
      offeredTo.set(e.call.session_id, set);
    }
    assert.equal(offeredTo.size, CALLERS, 'every caller was offered');
    const twice = [...offeredTo].filter(([, rs]) => rs.size !== 1);
    assert.deepEqual(twice, [], '0 callers offered to two members');
    for (const [session, member] of q.ringing) assert.deepEqual([...offeredTo.get(session)!], [member], 'a caller ringing at the kill stays at its member');
    for (const e of delivered) assert.deepEqual([...(offeredTo.get(e.call?.session_id ?? '') ?? [])], [e.recipient_id], 'answered where it was offered');
  });
});
