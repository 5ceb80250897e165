/**
 * The cluster with REAL PROCESSES (design §5, issue 5): a gateway and worker processes against the
 * real RabbitMQ (a fresh vhost) and one shared SQLite file, a few hundred logged-in recipients in
 * mixed states, then: kill -9 of a worker, a fourth worker joining, SIGTERM of a worker, and a
 * worker frozen with SIGSTOP past its lease TTL then resumed. Both shard queue types.
 *
 * Timing: LEASE_TTL_MS = 3000. Every wait polls a condition with a deadline (support/cluster.ts).
 */
import assert from 'node:assert/strict';
import { TransportError } from '@qubicle/transport';
import { shardOf, shardOfQueue, shardQueue, type RecipientStatus, type ShardQueueType } from '@qubicle/contracts';
import { Cluster, QUEUE_ID, QUEUE_ID2, durable, until } from './support/cluster.js';
import { logsOnFailure } from './support/logs-on-failure.js';

const TTL = 3000;
type Kind = 'away' | 'ready' | 'queue-away' | 'wrapup' | 'missed' | 'on-call';
const KINDS: Kind[] = ['away', 'ready', 'queue-away', 'wrapup', 'missed', 'on-call'];
const WRAPUP_S = 600;

const callOf = (id: string, n = 1) => ({
  queue_id: QUEUE_ID,
  session_id: `call-${n}-${id.slice(0, 12)}`,
  caller_id_name: 'Caller',
  caller_id_number: '+15550100',
  queue_enter_time: Math.floor(Date.now() / 1000),
});

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

function logged(s: RecipientStatus | 'not_logged_in' | undefined): RecipientStatus {
  assert.ok(s !== undefined && s !== 'not_logged_in', `expected a logged-in status, got ${JSON.stringify(s)}`);
  return s;
}

function scenarios(queueType: ShardQueueType, opts: { recipients: number; full: boolean }) {
  describe(`cluster with real processes (${queueType} shard queues)`, function () {
    this.timeout(120_000);
    let c: Cluster;
    let ids: string[] = [];
    const kindOf = new Map<string, Kind>();
    /** what every recipient's status must be (node and wrap-up left aside) */
    let expected: Record<string, RecipientStatus> = {};
    let snapshotAt = 0;
    const runLogs = logsOnFailure();

    const nodeOf = (id: string, statuses: Record<string, unknown>) => (statuses[id] as RecipientStatus | undefined)?.node;
    const shard = (id: string) => shardOf(c.accountId, id, c.opts.shardCount);

    /** Every recipient still logged in with its expected state; wrap-up counted down by at most the time passed. */
    async function assertStatesKept(where: string): Promise<Record<string, RecipientStatus>> {
      const now = Date.now();
      const all = await c.statuses(ids);
      const elapsed = Math.ceil((now - snapshotAt) / 1000);
      for (const id of ids) {
        const s = logged(all[id]);
        assert.deepEqual(durable(s), durable(expected[id]), `${where}: ${kindOf.get(id)} recipient ${id} changed`);
        const before = expected[id]!.wrapup_time_seconds ?? 0;
        if (kindOf.get(id) === 'wrapup') {
          assert.ok(s.wrapup_time_seconds! <= before + 1 && s.wrapup_time_seconds! >= before - elapsed - 2, `${where}: wrap-up of ${id}: ${s.wrapup_time_seconds} s left, was ${before} s ${elapsed} s ago`);
        }
      }
      return all as Record<string, RecipientStatus>;
    }

    before(async function () {
      this.timeout(180_000);
      c = await Cluster.create({ queueType, leaseTtlMs: TTL });
      c.spawnWorker('w1');
      c.spawnWorker('w2');
      c.spawnWorker('w3');
      await Promise.all(['w1', 'w2', 'w3'].map((n) => c.waitForWorker(n)));
      await c.startGateway();
      await c.waitBalanced(['w1', 'w2', 'w3'], 30_000);
      await c.captureEvents();

      // A few hundred recipients in mixed states: ready, away, per-queue away, in wrap-up, ...
      ids = await c.createRecipients(opts.recipients);
      ids.forEach((id, i) => kindOf.set(id, KINDS[i % KINDS.length]!));
      await c.bulkSet(Object.fromEntries(ids.map((id) => [id, { global: 'login' }])));
      await c.bulkSet(
        Object.fromEntries(
          ids
            .filter((id) => kindOf.get(id) !== 'away')
            .map((id): [string, Record<string, string>] => [id, kindOf.get(id) === 'queue-away' ? { global: 'ready', [QUEUE_ID]: 'away' } : { global: 'ready' }]),
        ),
      );
      const callers = ids.filter((id) => ['wrapup', 'missed', 'on-call'].includes(kindOf.get(id)!));
      await mapLimit(callers, 32, async (id) => {
        const kind = kindOf.get(id)!;
        const call = callOf(id);
        const offer = await c.client.offer(c.accountId, id, { call, offer_timeout_seconds: 120, wrapup_seconds: WRAPUP_S });
        assert.equal(offer.accepted, true, `offer to ${id}`);
        if (kind === 'missed') return c.client.reject(c.accountId, id, call.session_id);
        await c.client.answer(c.accountId, id, call.session_id);
        if (kind === 'wrapup') await c.client.hangup(c.accountId, id, call.session_id);
        return undefined;
      });
      const all = await c.statuses(ids);
      snapshotAt = Date.now();
      expected = Object.fromEntries(ids.map((id) => [id, logged(all[id])]));
      const states = new Set(Object.values(expected).map((s) => s.availability_state));
      assert.deepEqual([...states].sort(), ['Away', 'On-A-Call', 'Ready', 'Wrapup-Time']);
    });

    after(async function () {
      this.timeout(60_000);
      await runLogs.stop(c);
    });

    it('spreads the recipients over the three nodes; the ops view lists nodes, shards, heartbeat ages and recipient counts', async () => {
      const all = await c.statuses(ids);
      const per = new Map<string, number>();
      for (const id of ids) per.set(nodeOf(id, all)!, (per.get(nodeOf(id, all)!) ?? 0) + 1);
      assert.deepEqual([...per.keys()].sort(), ['w1', 'w2', 'w3']);
      for (const [node, n] of per) assert.ok(n >= opts.recipients / 6, `${node} answers for only ${n} recipients`);

      const view = await c.view();
      assert.equal(view.shard_count, 64);
      assert.deepEqual(view.nodes.map((n) => n.name).sort(), ['w1', 'w2', 'w3']);
      for (const n of view.nodes) {
        assert.ok(n.alive && n.heartbeat_age_ms < TTL, `${n.name} heartbeat age ${n.heartbeat_age_ms}`);
        assert.ok(n.shards.length >= 21 && n.shards.length <= 22, `${n.name} holds ${n.shards.length} shards`);
        assert.equal(n.recipients, per.get(n.name), `${n.name}'s recipient count`);
        assert.equal(n.info['queue_type'], queueType);
      }
      assert.deepEqual(view.unowned_shards, []);
      assert.equal(view.total_recipients, opts.recipients);
      // admin only
      const agent = await c.api('GET', '/v2/qubicle/cluster', undefined, 'not-a-token');
      assert.equal(agent.status, 401);
    });

    it('kill -9: within the TTL + 3 s every recipient answers from a survivor with the same state; gap commands run once or time out, never late', async () => {
      const before = await c.statuses(ids);
      const victims = ids.filter((id) => nodeOf(id, before) === 'w1');
      assert.ok(victims.length >= 12, `w1 answers for ${victims.length} recipients`);
      // Gap commands: queue QUEUE_ID2 away (valid in every logged-in state, applied at once, one queue_status event).
      const late = victims.slice(0, 3); // sent on the bus with a 300 ms timeout: must never run
      const gap = victims.slice(3, 6); // sent through the gateway (8 s timeout): run once, or 504 and not run
      const eventsBefore = c.events.length;

      const t0 = Date.now();
      c.signal('w1', 'SIGKILL');
      const lateCalls = late.map((id) =>
        c.bus
          .call(
            shardQueue(shard(id)),
            { type: 'set_status', status: 'away', queue_id: QUEUE_ID2, command_id: `late-${id}`, account_id: c.accountId, recipient_id: id, shard_count: 64 },
            { timeoutMs: 300 },
          )
          .then(
            (r) => ({ id, outcome: `answered ${JSON.stringify(r)}` }),
            (e: unknown) => ({ id, outcome: e instanceof TransportError ? e.kind : String(e) }),
          ),
      );
      const gapCalls = gap.map(async (id) => ({ id, status: (await c.api('POST', `${c.recipientsPath()}/${id}/status`, { data: { status: 'away', queue_id: QUEUE_ID2 } })).status }));

      await until('every recipient of w1 to answer from a survivor', TTL + 10_000, async () => {
        const all = await c.statuses(victims).catch(() => undefined);
        return all !== undefined && victims.every((id) => all[id] !== 'not_logged_in' && ['w2', 'w3'].includes(nodeOf(id, all) ?? ''));
      }, 50);
      const failoverMs = Date.now() - t0;
      process.stdout.write(`    failover after kill -9 (${queueType}, TTL ${TTL} ms, ${victims.length} recipients of the dead node): ${failoverMs} ms\n`);
      assert.ok(failoverMs < TTL + 3000, `failover took ${failoverMs} ms`);
      assert.equal((await c.nodes.get('w1')!.exited).signal, 'SIGKILL');

      for (const r of await Promise.all(lateCalls)) assert.equal(r.outcome, 'timeout', `late command to ${r.id}`);
      const gapResults = await Promise.all(gapCalls);
      for (const g of gapResults) assert.ok(g.status === 200 || g.status === 504, `gap command to ${g.id}: ${g.status}`);
      // exactly once: one queue_status event per applied gap command, none for the late ones
      const applied = gapResults.filter((g) => g.status === 200).map((g) => g.id);
      const notApplied = [...late, ...gapResults.filter((g) => g.status !== 200).map((g) => g.id)];
      await until('the events of the gap commands', 5000, () => applied.every((id) => c.events.slice(eventsBefore).some((e) => e.recipient_id === id && e.event === 'queue_status')));
      const after = c.events.slice(eventsBefore);
      for (const id of applied) assert.equal(after.filter((e) => e.recipient_id === id && e.event === 'queue_status').length, 1, `queue_status events of ${id}`);
      for (const id of notApplied) assert.equal(after.filter((e) => e.recipient_id === id).length, 0, `a command that timed out ran late for ${id}`);
      const all = await c.statuses([...applied, ...notApplied]);
      for (const id of applied) {
        const s = logged(all[id]);
        assert.equal(s.queue_availability?.[QUEUE_ID2], false, `gap command applied to ${id}`);
        expected[id] = s; // queue flag (and last_action_time) changed by it
      }
      for (const id of notApplied) assert.equal(logged(all[id]).queue_availability?.[QUEUE_ID2], undefined, `${id} unchanged`);
      await assertStatesKept('after kill -9');
      assert.equal(after.filter((e) => e.event === 'delete').length, 0, 'nobody was logged out');
    });

    it('a fourth worker joins: shards move to it, nobody is logged out, states unchanged, status names the new owner', async () => {
      const eventsBefore = c.events.length;
      c.spawnWorker('w4');
      await c.waitForWorker('w4');
      await c.waitBalanced(['w2', 'w3', 'w4'], 20_000);
      const all = await assertStatesKept('after w4 joined');
      assert.ok(ids.some((id) => nodeOf(id, all) === 'w4'), 'some recipients answer from w4');
      const leases = await c.store.listLeases();
      for (const id of ids) {
        const owner = leases.find((l) => l.shard === shard(id))!.owner;
        assert.equal(nodeOf(id, all), owner, `status node of ${id} is its shard's owner`);
      }
      assert.equal(c.events.slice(eventsBefore).filter((e) => e.event === 'delete').length, 0, 'nobody was logged out');
      const view = await c.view();
      assert.ok(view.nodes.find((n) => n.name === 'w4')!.shards.length >= 21);
    });

    if (opts.full) {
      it('SIGTERM: the node hands its shards over at once (no TTL wait) and no request sent after the signal gets a 504', async () => {
        const before = await c.statuses(ids);
        const victims = ids.filter((id) => nodeOf(id, before) === 'w2');
        const readers = victims.slice(0, 24);
        const writers = victims.filter((id) => kindOf.get(id) === 'ready').slice(0, 4);
        const codes: number[] = [];
        let done = false;
        const t0 = Date.now();
        c.signal('w2', 'SIGTERM');
        const reads = readers.map(async (id) => {
          while (!done) codes.push((await c.api('GET', `${c.recipientsPath()}/${id}/status`)).status);
        });
        const writes = writers.map(async (id) => {
          const res = await c.api('POST', `${c.recipientsPath()}/${id}/status`, { data: { status: 'away', queue_id: QUEUE_ID2 } });
          codes.push(res.status);
          if (res.status === 200) expected[id] = { ...expected[id]!, queue_availability: { ...expected[id]!.queue_availability, [QUEUE_ID2]: false } };
        });
        const exit = await Promise.race([c.nodes.get('w2')!.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
        assert.deepEqual(exit, { code: 0, signal: null }, 'w2 exits 0 after a graceful stop');
        await c.waitBalanced(['w3', 'w4'], TTL); // released, not expired: well under a TTL
        const handoverMs = Date.now() - t0;
        done = true;
        await Promise.all([...reads, ...writes]);
        process.stdout.write(`    SIGTERM handover (${queueType}): ${handoverMs} ms, ${codes.length} requests during it\n`);
        assert.ok(codes.length > readers.length, 'requests were sent during the handover');
        assert.deepEqual([...new Set(codes)], [200], `status codes during the handover: ${[...new Set(codes)].join(',')}`);
        const view = await c.view();
        assert.ok(!view.nodes.some((n) => n.name === 'w2'), 'w2 left the registry');
        // stats/last_action_time of the writers changed with the queue flag: take them from the cluster
        const now = await c.statuses(writers);
        for (const id of writers) expected[id] = logged(now[id]);
        await assertStatesKept('after SIGTERM');
      });
    }

    it('SIGSTOP past the TTL, then SIGCONT: the frozen node stops owning its shards, executes and writes nothing', async function () {
      const frozen = opts.full ? 'w3' : 'w2';
      const survivors = opts.full ? ['w4'] : ['w3', 'w4'];
      const before = await c.statuses(ids);
      const victims = ids.filter((id) => nodeOf(id, before) === frozen);
      const leasesBefore = (await c.store.listLeases()).filter((l) => l.owner === frozen);
      const readyVictims = victims.filter((id) => kindOf.get(id) === 'ready');
      // A wrap-up that ends while the node is frozen: its timer must not write when the node resumes.
      const shortWrapup = readyVictims[0]!;
      const call = callOf(shortWrapup, 2);
      assert.equal((await c.client.offer(c.accountId, shortWrapup, { call, offer_timeout_seconds: 60, wrapup_seconds: 2 })).accepted, true);
      await c.client.answer(c.accountId, shortWrapup, call.session_id);
      await c.client.hangup(c.accountId, shortWrapup, call.session_id);
      // The worker logs a command after replying: wait for the hangup's line so that it cannot
      // carry a timestamp after t0 and be mistaken for a command executed after the freeze.
      await until('the hangup to be logged by its node', 5000, () =>
        c.parsedLines(frozen).some((l) => l['msg'] === 'command' && l['command'] === 'hangup' && l['recipient_id'] === shortWrapup),
      );
      const writers = readyVictims.slice(1, 4);
      const eventsBefore = c.events.length;

      const t0 = Date.now();
      c.signal(frozen, 'SIGSTOP');
      // Commands sent while it is frozen: they must be executed by the new owner, or time out (504) and not run.
      const writes = writers.map(async (id) => ({ id, status: (await c.api('POST', `${c.recipientsPath()}/${id}/status`, { data: { status: 'away' } })).status }));
      // The survivors take the shards once the leases expire (their owner stopped renewing)
      await until(`${survivors.join('+')} to hold every lease of ${frozen}`, TTL + 5000, async () => {
        const now = Date.now();
        const leases = await c.store.listLeases();
        return leasesBefore.every((old) => {
          const l = leases.find((x) => x.shard === old.shard)!;
          return l.owner !== null && survivors.includes(l.owner) && l.epoch > old.epoch && l.expires_at > now;
        });
      });
      // keep it frozen a little longer than its TTL: a zombie that wakes up well after it lost everything
      await until('the freeze to last TTL + 1.5 s', TTL + 5000, () => Date.now() - t0 > TTL + 1500);
      c.signal(frozen, 'SIGCONT');
      const results = await Promise.all(writes);
      for (const r of results) {
        assert.ok(r.status === 200 || r.status === 504, `command sent during the freeze to ${r.id}: ${r.status}`);
        const s = logged((await c.statuses([r.id]))[r.id]);
        assert.equal(s.availability_state, r.status === 200 ? 'Away' : 'Ready', `${r.id} after a ${r.status}`);
        expected[r.id] = s;
      }
      // The zombie gave its shards up without writing: no fenced write was even attempted, and every
      // row of those shards carries an epoch newer than the zombie's.
      await until(`${frozen} to report its shards lost`, 10_000, () => c.logLines(frozen, /^shard lost/).length >= leasesBefore.length);
      assert.deepEqual(c.logLines(frozen, /write fenced/), [], 'the zombie attempted no write');
      for (const id of victims) {
        const row = await c.store.loadRecipient(c.accountId, id);
        const old = leasesBefore.find((l) => l.shard === shard(id))!;
        assert.ok(row && row.epoch > old.epoch, `row of ${id} written or claimed under epoch ${row?.epoch}, zombie had ${old.epoch}`);
      }
      // The short wrap-up ended once, by the new owner
      await until('the wrap-up end of the frozen recipient', 5000, () => c.events.slice(eventsBefore).some((e) => e.recipient_id === shortWrapup && e.event === 'wrapup_end'));
      const ends = c.events.slice(eventsBefore).filter((e) => e.recipient_id === shortWrapup && e.event === 'wrapup_end');
      assert.equal(ends.length, 1, 'wrap-up ended exactly once');
      assert.notEqual(ends[0]!.node, frozen);
      expected[shortWrapup] = logged((await c.statuses([shortWrapup]))[shortWrapup]);
      assert.equal(expected[shortWrapup]!.availability_state, 'Ready');
      // Executed nothing for a shard it had lost: in its log (one process, so in order), every shard
      // command handled after the freeze was requeued, unless the shard had been taken again since
      // (a new lease, a new epoch: the rebalancing gives the resumed node its share back).
      const held = new Set(leasesBefore.map((l) => l.shard));
      const retaken = new Set<number>();
      let requeued = 0;
      // (from the freeze on, by the node's own timestamps: lines written just before it may reach the pipe later)
      for (const line of c.parsedLines(frozen).filter((l) => Date.parse(String(l['time'])) >= t0)) {
        const s = typeof line['shard'] === 'number' ? line['shard'] : undefined;
        if (line['msg'] === 'shard lost: stopped consuming, actors dropped' && s !== undefined) held.delete(s);
        if (line['msg'] === 'shard taken' && s !== undefined) {
          held.add(s);
          retaken.add(s);
        }
        const q = typeof line['queue'] === 'string' ? shardOfQueue(line['queue']) : undefined;
        if (line['msg'] !== 'command' || q === undefined) continue;
        if (line['outcome'] === 'requeue') requeued++; // the transport's REQUEUE (handlers/instrument.ts names it by its description)
        else assert.ok(retaken.has(q) && held.has(q), `the resumed node executed ${line['command']} on shard ${q} without holding it again: ${JSON.stringify(line)}`);
      }
      process.stdout.write(`    resumed node: ${requeued} commands requeued, ${retaken.size} shards taken again under new epochs\n`);

      // It is alive again: it rejoins and gets its share back, with new epochs; nobody was logged out.
      await c.waitBalanced([frozen, ...survivors], 20_000);
      await assertStatesKept('after the zombie resumed');
      assert.equal(c.events.slice(eventsBefore).filter((e) => e.event === 'delete').length, 0, 'nobody was logged out');
    });

    if (opts.full) {
      it('a worker started with another SHARD_COUNT refuses to start, naming both counts', async () => {
        const p = c.spawnWorker('w-bad', { SHARD_COUNT: '32' });
        const exit = await Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
        assert.deepEqual(exit, { code: 1, signal: null });
        const out = p.lines.join('\n');
        assert.match(out, /SHARD_COUNT is 32 but this cluster was created with 64 shards/);
        assert.match(out, /start every worker with SHARD_COUNT=64/);
        assert.ok(!(await c.store.listNodes()).some((n) => n.name === 'w-bad'), 'it never registered');
      });
    }
  });
}

scenarios('classic', { recipients: 240, full: true });
scenarios('quorum', { recipients: 120, full: false });
