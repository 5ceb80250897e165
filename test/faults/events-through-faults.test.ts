/**
 * Events through broker faults, on the real broker (issue 11): under load (recipients flipping
 * ready/away as fast as they are answered, every command retried with its id until acknowledged),
 *
 * - the vhost's connections closed several times (`close_all_connections -p <vhost>`: the worker's,
 *   the gateway's and the consumers' connections all drop and come back);
 * - the worker cut off the broker by a TCP proxy (every connection dropped, new ones refused for a
 *   few seconds, twice), the gateway and the consumer staying connected: a broker outage as the
 *   worker sees it, nobody else's tests touched;
 *
 * a consumer bound to qubicle.events (a durable queue: what it misses is the worker's fault) sees,
 * per recipient, every seq from its login to its current one, ending with the last acknowledged
 * status, and the gateway answers each recipient's last acknowledged status (in the proxy case
 * from its read model, fed by the feed with no gap). And a replayed command (its id applied before a
 * logout) is not applied again after a newer login, whether it is sent again by its caller or
 * delivered again by the broker.
 *
 * The 60 s outage and a real broker restart: bench/chaos/events-through-faults.ts (the same load
 * and audit, longer).
 */
import assert from 'node:assert/strict';
import { connect } from 'amqplib';
import { newKazooId, shardOf, shardQueue, type LogoutCommand, type RecipientStatus } from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { SeqAudit, StatusLoad, summarise } from '../support/faults.js';
import { startSystem, type System } from '../support/system.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

const RECIPIENTS = 30;

async function recipients(sys: System, n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newKazooId();
    await sys.store.createUser(
      { id, account_id: sys.accountId, first_name: `F${i}`, last_name: tag, username: `${tag}-${i}-${id.slice(0, 6)}`, priv_level: 'user', enabled: true, qubicle: { enabled: true, permissions: { monitor: false } } },
      null,
    );
    ids.push(id);
  }
  return ids;
}

/** The seq of each recipient's stored state (what its last event must be). */
async function currentSeqs(sys: System, ids: readonly string[]): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const id of ids) {
    const stored = await sys.store.loadRecipient(sys.accountId, id);
    assert.ok(stored, `${id} is logged in`);
    m.set(id, stored.state.seq);
  }
  return m;
}

/** Waits (bounded) for the load to make `n` more acknowledged commands: the system works again. */
async function progress(load: StatusLoad, n: number, what: string): Promise<void> {
  const from = load.acked;
  await until(what, () => load.acked >= from + n, 20_000);
}

async function statusOver(sys: System, id: string): Promise<RecipientStatus> {
  const res = await sys.api('GET', `/v2/accounts/${sys.accountId}/qubicle_recipients/${id}/status`, undefined, sys.adminToken);
  assert.equal(res.status, 200, res.text);
  return res.body.data as RecipientStatus;
}

/** Resolves the moment the worker's outbox holds an unconfirmed event (checked every turn of the event loop). */
async function eventsInFlight(sys: System, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sys.worker.outbox.pending() === 0) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Stops the load, waits for every recipient's current seq on the bus, and checks the audit. */
async function settleAndAudit(sys: System, load: StatusLoad, audit: SeqAudit, ids: readonly string[]): Promise<ReturnType<typeof summarise>> {
  await load.stop();
  assert.deepEqual(load.errors, []);
  const current = await currentSeqs(sys, ids);
  await until('every recipient\'s current seq on the bus', () => ids.every((id) => audit.maxSeq(id) === current.get(id)), 20_000).catch((err: Error) => {
    const late = ids.filter((id) => audit.maxSeq(id) !== current.get(id)).map((id) => `${id.slice(0, 6)}: seen ${audit.maxSeq(id)} of ${current.get(id)}`);
    throw new Error(`${err.message}; ${late.length} recipients short: ${late.slice(0, 5).join(', ')}; worker outbox ${JSON.stringify(sys.worker.outbox.stats())}`);
  });
  await until('the worker outbox empty', () => sys.worker.outbox.pending() === 0, 10_000);
  const audits = audit.report(ids, current, load.last);
  const summary = summarise(audits);
  const bad = audits.filter((a) => a.missing.length > 0 || !a.endsAtCurrent || !a.endsWithLastAck);
  assert.deepEqual(bad, [], `per recipient: no hole, ending at the current seq with the last acknowledged status (${JSON.stringify(summary)})`);
  assert.deepEqual(audit.invalid, []);
  return summary;
}

describe('faults: events through broker faults (real broker)', function () {
  this.timeout(60_000);

  describe('the vhost\'s connections closed three times under load', () => {
    let sys: System;
    let audit: SeqAudit;
    before(async () => {
      sys = await startSystem({ rpcTimeoutMs: 3_000 });
      audit = await SeqAudit.start(sys.serviceBus, sys.accountId);
    });
    after(async () => {
      await audit?.stop().catch(() => {});
      await sys?.stop();
    });

    it('every seq of every recipient reaches qubicle.events, the last one with the last acknowledged status; the gateway answers it', async () => {
      const ids = await recipients(sys, RECIPIENTS, 'closeall');
      const client = new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, service: 'faults-load' });
      const load = new StatusLoad(client, sys.accountId, ids);
      await load.start();
      await progress(load, 200, 'the load to flow');
      for (let i = 1; i <= 3; i++) {
        await sys.vhost.closeAllConnections(`faults test: close ${i}`);
        await progress(load, 200, `the load to flow again after close ${i}`);
      }
      const summary = await settleAndAudit(sys, load, audit, ids);
      const relay = sys.worker.outbox.stats();
      assert.ok(relay.failedAttempts > 0, `the closes hit events in flight (${JSON.stringify(relay)}): the outbox sent them again`);
      for (const id of ids) assert.equal((await statusOver(sys, id)).availability_state, load.last.get(id)?.availability_state, id);
      console.log(`      close_all_connections ×3: ${JSON.stringify({ ...summary, acked: load.acked, retried: load.retried, relay })}`);
    });
  });

  describe('the worker cut off the broker (TCP proxy: dropped, refused 3 s) twice under load', () => {
    let sys: System;
    let proxy: TcpProxy;
    let audit: SeqAudit;
    before(async () => {
      const broker = new URL(process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
      proxy = await startTcpProxy({ host: broker.hostname.replace(/^\[|\]$/g, ''), port: Number(broker.port || 5672) });
      sys = await startSystem({ rpcTimeoutMs: 3_000, workerUrl: (url) => proxy.via(url) });
      audit = await SeqAudit.start(sys.serviceBus, sys.accountId);
      await until('the gateway read model subscribed', () => sys.gateway.readModel?.isActive === true);
    });
    after(async () => {
      await audit?.stop().catch(() => {});
      proxy?.restore();
      await sys?.stop();
      await proxy?.close();
    });

    it('no hole and no missing last event; the gateway\'s read model (never disconnected) ends with every last status, with no gap', async () => {
      const ids = await recipients(sys, RECIPIENTS, 'proxy');
      const client = new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, service: 'faults-load' });
      const load = new StatusLoad(client, sys.accountId, ids);
      await load.start();
      await progress(load, 200, 'the load to flow');
      const model = sys.gateway.readModel!;
      const gapsBefore = model.stats().gaps;
      for (let i = 1; i <= 2; i++) {
        // cut while the outbox holds unconfirmed events: on a busy machine the load can be slow
        // enough that a blind cut falls between two publishes and tests nothing in flight
        await eventsInFlight(sys, `events in flight before outage ${i}`);
        proxy.cut();
        // the outage's length is the fault itself, not a wait for something
        await new Promise((r) => setTimeout(r, 3_000));
        proxy.restore();
        await progress(load, 200, `the load to flow again after outage ${i}`);
      }
      const summary = await settleAndAudit(sys, load, audit, ids);
      const relay = sys.worker.outbox.stats();
      assert.ok(relay.failedAttempts > 0 && relay.retries > 0, `the outages hit events in flight (${JSON.stringify(relay)})`);
      assert.ok(proxy.refused > 0, 'the worker tried to reconnect during the outage and was refused');
      const hits = model.stats().hits;
      await until('the read model to show every last acknowledged status', async () => {
        for (const id of ids) if ((await statusOver(sys, id)).availability_state !== load.last.get(id)?.availability_state) return false;
        return true;
      }, 10_000);
      assert.ok(model.stats().hits >= hits + ids.length, `served from the read model (${JSON.stringify(model.stats())})`);
      assert.equal(model.stats().gaps - gapsBefore, 0, 'the feed had no gap either');
      console.log(`      proxy outage 3 s ×2: ${JSON.stringify({ ...summary, acked: load.acked, retried: load.retried, refused: proxy.refused, relay })}`);
    });
  });

  describe('a command replayed after a newer login (item 3)', () => {
    let sys: System;
    let client: RecipientBusClient;
    before(async () => {
      sys = await startSystem();
      client = new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, service: 'faults-replay' });
    });
    after(async () => {
      await sys?.stop();
    });

    it('logout X, login Y, the same logout X again (its caller retrying): answered, not applied; still logged in', async () => {
      const [id] = await recipients(sys, 1, 'replay');
      await client.login(sys.accountId, id!);
      const x = newKazooId();
      assert.equal((await client.logout(sys.accountId, id!, { commandId: x })).availability_state, 'Not-Logged-In');
      await client.login(sys.accountId, id!);
      const seq = (await sys.store.loadRecipient(sys.accountId, id!))!.state.seq;
      const again = await client.logout(sys.accountId, id!, { commandId: x });
      assert.equal(again.availability_state, 'Away', 'answered with the current status');
      const stored = await sys.store.loadRecipient(sys.accountId, id!);
      assert.equal(stored?.state.seq, seq, 'nothing applied: still logged in, no event');
      assert.equal((await sys.store.listSessions(sys.accountId, id!, { limit: 10 })).length, 1, 'one session ended, not two');
    });

    it('the same logout message delivered again by the broker after a newer login: not applied', async () => {
      const [id] = await recipients(sys, 1, 'redeliver');
      await client.login(sys.accountId, id!);
      // a media service's fire-and-forget logout, and the very same message once more later, as the
      // broker redelivers a message whose ack was lost (the worker applied it, then its connection fell)
      const logout: LogoutCommand = { type: 'logout', command_id: newKazooId(), account_id: sys.accountId, recipient_id: id!, shard_count: sys.shardCount };
      const conn = await connect(sys.amqpUrl);
      try {
        const ch = await conn.createConfirmChannel();
        const queue = shardQueue(shardOf(sys.accountId, id!, sys.shardCount));
        const deliver = () =>
          new Promise<void>((resolve, reject) =>
            ch.sendToQueue(queue, Buffer.from(JSON.stringify(logout)), { contentType: 'application/json', messageId: logout.command_id, persistent: true }, (err) => (err ? reject(err) : resolve())),
          );
        await deliver();
        await until('the logout applied', async () => (await sys.store.loadRecipient(sys.accountId, id!)) === null);
        await client.login(sys.accountId, id!);
        const seq = (await sys.store.loadRecipient(sys.accountId, id!))!.state.seq;
        await deliver();
        // the same shard queue and mailbox: once this read is answered, the redelivery was handled
        assert.equal((await client.status(sys.accountId, id!)).availability_state, 'Away');
        assert.equal((await sys.store.loadRecipient(sys.accountId, id!))?.state.seq, seq, 'not applied: still logged in, no event');
        assert.equal((await sys.store.listSessions(sys.accountId, id!, { limit: 10 })).length, 1);
      } finally {
        await conn.close().catch(() => {});
      }
    });
  });
});
