/**
 * The audit trail across a kill -9, with real processes (two workers on one SQLite file, a gateway,
 * the real RabbitMQ): recipients in wrap-up on the worker that dies; the survivor takes their
 * shards, re-arms the wrap-up timers, and when those fire their changes are written — with their
 * audit entries (actor timer:wrapup) in the same write. Every published event of every recipient
 * has its entry, none more: the trail is complete across the failover.
 */
import { strict as assert } from 'node:assert';
import type { RecipientStatus } from '@qubicle/contracts';
import { Cluster, twoWorkerCluster, QUEUE_ID, until } from './support/cluster.js';

const TTL = 3000;
const WRAPUP_S = 6;

describe('cluster: audit entries are complete across a kill -9 (a wrap-up timer that fires on the survivor)', function () {
  this.timeout(180_000);
  let c!: Cluster;
  twoWorkerCluster({ leaseTtlMs: TTL }, (cluster) => (c = cluster));

  it('the survivor ends the wrap-ups at their deadlines and each end has its audit entry (timer:wrapup, from Wrapup-Time)', async () => {
    const ids = await c.createRecipients(12);
    const A = c.accountId;
    for (const id of ids) {
      await c.client.login(A, id);
      await c.client.setStatus(A, id, 'ready');
    }
    const before = await c.statuses(ids);
    const victims = ids.filter((id) => (before[id] as RecipientStatus).node === 'w1');
    assert.ok(victims.length >= 2, `w1 answers for ${victims.length} of ${ids.length} recipients`);
    for (const id of victims) {
      const call = { queue_id: QUEUE_ID, session_id: `audit-${id.slice(0, 12)}`, caller_id_name: 'Caller', caller_id_number: '+15550100', queue_enter_time: Math.floor(Date.now() / 1000) };
      assert.equal((await c.client.offer(A, id, { call, offer_timeout_seconds: 120, wrapup_seconds: WRAPUP_S })).accepted, true);
      await c.client.answer(A, id, call.session_id);
      await c.client.hangup(A, id, call.session_id);
    }

    c.signal('w1', 'SIGKILL');
    await c.nodes.get('w1')!.exited;
    // the wrap-ups end on w2, at their deadlines (re-armed when it took the shards)
    const ended = await until('every victim\'s wrap-up to end on the survivor', TTL + WRAPUP_S * 1000 + 15_000, () =>
      victims.every((id) => c.events.some((e) => e.recipient_id === id && e.event === 'wrapup_end' && e.node === 'w2')),
    );
    assert.ok(ended);

    for (const id of victims) {
      const res = await c.api('GET', `${c.recipientsPath()}/${id}/audit?page_size=100`);
      assert.equal(res.status, 200, res.text);
      const entries = res.body.data as Array<Record<string, any>>;
      const published = [...new Set(c.events.filter((e) => e.recipient_id === id).map((e) => e.seq))].sort((a, b) => b - a);
      assert.deepEqual(entries.map((e) => e.seq), published, `${id}: one audit entry per published event, none missing, none more`);
      const end = entries.find((e) => e.event === 'wrapup_end');
      assert.ok(end, `${id}: the end of wrap-up has its entry`);
      assert.deepEqual(end.actor, { kind: 'timer', id: 'wrapup' });
      assert.equal(end.from, 'Wrapup-Time');
      assert.equal(end.to, 'Ready');
      const offer = entries.find((e) => e.event === 'offer');
      assert.equal(offer?.actor.kind, 'bus', 'the offer was the queue service\'s (before the kill, on w1)');
    }
  });
});
