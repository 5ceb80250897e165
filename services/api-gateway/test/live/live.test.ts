/**
 * The event websocket over the memory bus: blackhole replies, bindings and wildcards, snapshot
 * then deltas, resume, account isolation, token expiry, slow consumers, invalid messages.
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';
import { AUTH_EXCHANGE, LIVE_CLOSE_CODES, authNoticeKey, type RecipientEvent } from '@qubicle/contracts';
import { until } from '../support/wait.js';
import { loggedIn } from '../support/fake-worker.js';
import { newId } from '../support/fixtures.js';
import { seqsByRecipient, startLiveWorld, subscribed, type LiveWorld, type ServerMessage, type TestClient } from './support.js';

const BINDING = 'qubicle.recipient.*';

describe('live: event websocket (memory bus)', function () {
  this.timeout(20_000);
  let w: LiveWorld;
  let account: string;

  beforeEach(async () => {
    w = await startLiveWorld();
    account = w.fixture.account.id;
  });
  afterEach(async () => {
    await w.close();
  });

  describe('protocol', () => {
    it('subscribe: success reply, snapshot of logged-in recipients, snapshot_complete, then live events', async () => {
      const agent = w.fixture.agent.id;
      await w.login(agent);
      const c = await w.connect();
      const rid = c.subscribe(w.token.admin, { account_id: account, binding: BINDING });
      const reply = await c.reply(rid);
      assert.deepEqual(reply, { action: 'reply', request_id: rid, status: 'success', data: { subscribed: [BINDING] } });
      const snap = await c.next((m) => m['name'] === 'snapshot');
      assert.equal(snap['action'], 'event');
      assert.equal(snap['subscribed_key'], BINDING);
      assert.equal(snap['subscription_key'], 'qubicle.recipient.*.*');
      assert.equal(snap['routing_key'], `qubicle.recipient.${account}.${agent}.snapshot`);
      assert.equal(snap['data']['recipient_id'], agent);
      assert.equal(snap['data']['seq'], w.seqOf(agent));
      assert.equal(snap['data']['status']['availability_state'], 'Away');
      const done = await c.next((m) => m['name'] === 'snapshot_complete');
      assert.equal(done['data']['recipients'], 1);
      assert.equal(done['data']['reason'], 'subscribe');
      assert.equal(done['data']['request_id'], rid);

      const ev = await w.emit(agent, 'ready', loggedIn('Ready'));
      const live = await c.next((m) => m['name'] === 'ready');
      assert.deepEqual(live, {
        action: 'event',
        subscribed_key: BINDING,
        subscription_key: 'qubicle.recipient.*.*',
        name: 'ready',
        routing_key: `qubicle.recipient.${account}.${agent}.ready`,
        data: ev,
      });
    });

    it('serves / as well as /socket; other paths are refused', async () => {
      const c = await w.connect('/');
      const rid = c.subscribe(w.token.admin, { account_id: account, binding: BINDING });
      assert.equal((await c.reply(rid))['status'], 'success');
      const refused = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${w.wsUrl}/elsewhere`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
      assert.equal(refused, 404);
    });

    it('ping answers pong', async () => {
      const c = await w.connect();
      c.send({ action: 'ping', request_id: 'p1' });
      assert.deepEqual(await c.reply('p1'), { action: 'reply', request_id: 'p1', status: 'success', data: { response: 'pong' } });
    });

    it('unsubscribe one binding, then all: replies name what was removed; no more events', async () => {
      const agent = w.fixture.agent.id;
      await w.login(agent);
      const c = await w.connect();
      await subscribed(c, w.token.admin, { account_id: account, bindings: [BINDING, `qubicle.recipient.${agent}.ready`] });
      c.send({ action: 'unsubscribe', request_id: 'u1', data: { account_id: account, binding: BINDING } });
      assert.deepEqual((await c.reply('u1'))['data'], { unsubscribed: [BINDING] });
      await w.emit(agent, 'away');
      await w.emit(agent, 'ready', loggedIn('Ready'));
      const ready = await c.next((m) => m['action'] === 'event' && m['name'] !== 'snapshot' && m['name'] !== 'snapshot_complete');
      assert.equal(ready['name'], 'ready', 'only the remaining binding matches');
      assert.equal(ready['subscribed_key'], `qubicle.recipient.${agent}.ready`);
      c.send({ action: 'unsubscribe', auth_token: w.token.admin, request_id: 'u2' });
      assert.deepEqual((await c.reply('u2'))['data'], { unsubscribed: [`qubicle.recipient.${agent}.ready`] });
      const before = c.events().length;
      await w.emit(agent, 'away');
      await w.emit(agent, 'ready', loggedIn('Ready'));
      c.send({ action: 'ping', request_id: 'p' });
      await c.reply('p');
      assert.equal(c.events().length, before);
    });
  });

  describe('bindings', () => {
    it('wildcards: a recipient, an event, # and the short forms', async () => {
      const [a, b] = [w.fixture.agent.id, w.fixture.agent2.id];
      await w.login(a);
      await w.login(b);
      const cases: Array<{ binding: string; expect: (ev: RecipientEvent) => boolean }> = [
        { binding: `qubicle.recipient.${a}`, expect: (e) => e.recipient_id === a },
        { binding: `qubicle.recipient.${a}.*`, expect: (e) => e.recipient_id === a },
        { binding: 'qubicle.recipient.*.ready', expect: (e) => e.event === 'ready' },
        { binding: 'qubicle.recipient.#', expect: () => true },
        { binding: 'qubicle.#', expect: () => true },
        { binding: BINDING, expect: () => true },
        { binding: `qubicle.recipient.${b}.away`, expect: (e) => e.recipient_id === b && e.event === 'away' },
      ];
      const clients: TestClient[] = [];
      for (const k of cases) {
        const c = await w.connect();
        await subscribed(c, w.token.agent, { account_id: account, binding: k.binding });
        clients.push(c);
      }
      const emitted = [
        await w.emit(a, 'ready', loggedIn('Ready')),
        await w.emit(b, 'ready', loggedIn('Ready')),
        await w.emit(a, 'away'),
        await w.emit(b, 'away'),
      ];
      const marker = await w.emit(a, 'queue_status'); // everything before it has arrived once it has
      for (const [i, k] of cases.entries()) {
        const c: TestClient = clients[i]!;
        const expected = emitted.filter(k.expect).map((e) => `${e.recipient_id}/${e.seq}`);
        if (k.expect(marker)) {
          await c.next((m) => m['data']?.['seq'] === marker.seq);
        } else {
          // a marker the binding does not see: ping to be sure earlier deliveries are done
          await w.emit(k.binding.includes(b) ? b : a, 'queue_status');
          c.send({ action: 'ping', request_id: 'sync' });
          await c.reply('sync');
          await new Promise((r) => setImmediate(r));
        }
        const got: string[] = c
          .events()
          .filter((m) => m['name'] !== 'snapshot' && m['name'] !== 'snapshot_complete' && m['name'] !== 'queue_status')
          .map((m) => `${m['data']['recipient_id']}/${m['data']['seq']}`);
        assert.deepEqual(got, expected, k.binding);
        // snapshot: only the recipients the binding can see
        const snapIds = c.events('snapshot').map((m) => m['data']['recipient_id']).sort();
        const visible = [a, b].filter((id) => emitted.some((e) => e.recipient_id === id && k.expect(e))).sort();
        assert.deepEqual(snapIds, visible, `snapshot of ${k.binding}`);
      }
    });

    it('an event matched by two bindings of one socket is sent once', async () => {
      const a = w.fixture.agent.id;
      await w.login(a);
      const c = await w.connect();
      await subscribed(c, w.token.admin, { account_id: account, bindings: [BINDING, `qubicle.recipient.${a}.ready`, 'qubicle.recipient.#'] });
      const ev = await w.emit(a, 'ready', loggedIn('Ready'));
      await w.emit(a, 'away');
      await c.next((m) => m['name'] === 'away');
      assert.equal(c.events('ready').filter((m) => m['data']['seq'] === ev.seq).length, 1);
    });
  });

  describe('snapshot, then deltas, no gaps', () => {
    it('under concurrent events (snapshot held back): every seq once, in order, none missing', async () => {
      await w.close();
      w = await startLiveWorld({ extraRecipients: 20 });
      account = w.fixture.account.id;
      const ids = w.recipients;
      for (const id of ids) await w.login(id);
      // events keep coming while the snapshot is read; the snapshot is answered late
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      w.worker.overrides.set('get_snapshot', async () => {
        await released;
        return undefined; // then the canned answer (read now: later than some events)
      });
      let running = true;
      const pump = (async () => {
        let i = 0;
        while (running) {
          const id = ids[i++ % ids.length]!;
          await w.emit(id, i % 2 ? 'ready' : 'away', loggedIn(i % 2 ? 'Ready' : 'Away'));
          if (i % 10 === 0) await new Promise((r) => setImmediate(r));
        }
      })();
      const c = await w.connect();
      const rid = c.subscribe(w.token.admin, { account_id: account, binding: BINDING });
      await new Promise((r) => setTimeout(r, 50));
      const atSubscribe = new Map(ids.map((id) => [id, w.seqOf(id)]));
      await new Promise((r) => setTimeout(r, 50));
      release();
      await c.reply(rid);
      await c.next((m) => m['name'] === 'snapshot_complete');
      await new Promise((r) => setTimeout(r, 100));
      running = false;
      await pump;
      // the last event of every recipient has arrived
      await c.until((all) => ids.every((id) => all.some((m) => m['data']?.['recipient_id'] === id && m['data']['seq'] === w.seqOf(id))));
      const msgs = c.received.filter((m) => m['action'] === 'event');
      const firstEvent = msgs.findIndex((m) => m['name'] !== 'snapshot');
      assert.equal(msgs[firstEvent]!['name'], 'snapshot_complete', 'every snapshot entry comes before any live event');
      for (const [id, seqs] of seqsByRecipient(msgs)) {
        for (let k = 1; k < seqs.length; k++) assert.equal(seqs[k], seqs[k - 1]! + 1, `${id}: ${seqs.join(',')}`);
        assert.equal(seqs[seqs.length - 1], w.seqOf(id));
      }
      assert.equal(seqsByRecipient(msgs).size, ids.length);
      // events did happen while the snapshot was held back (and were absorbed without duplicates)
      const snaps = c.events('snapshot');
      assert.ok(snaps.some((m) => m['data']['seq'] > atSubscribe.get(m['data']['recipient_id'])!), 'the snapshot is newer than the subscribe');
    });
  });

  describe('thundering herd', () => {
    it('subscribes of one account arriving together share one snapshot read; each still gets all of it', async () => {
      const [a, b] = [w.fixture.agent.id, w.fixture.agent2.id];
      await w.login(a);
      await w.login(b);
      const before = w.worker.directoryRequests('recipient_list').length;
      const snapshotsBefore = w.worker.commands('get_snapshot').length;
      const clients = await Promise.all(Array.from({ length: 30 }, () => w.connect()));
      await Promise.all(clients.map((c) => subscribed(c, w.token.admin, { account_id: account, binding: BINDING })));
      const lists = w.worker.directoryRequests('recipient_list').length - before;
      assert.ok(lists <= 3, `${lists} recipient_list for 30 subscribes`);
      assert.ok(w.worker.commands('get_snapshot').length - snapshotsBefore <= 3 * 4, 'one get_snapshot per shard per batch');
      for (const c of clients) assert.deepEqual(c.events('snapshot').map((m) => m['data']['recipient_id']).sort(), [a, b].sort());
    });
  });

  describe('resume', () => {
    it('a client that reconnects with its last seqs gets exactly what it missed, and no snapshot of those', async () => {
      const [a, b] = [w.fixture.agent.id, w.fixture.agent2.id];
      await w.login(a);
      await w.login(b);
      const c1 = await w.connect();
      await subscribed(c1, w.token.admin, { account_id: account, binding: BINDING });
      await w.emit(a, 'ready', loggedIn('Ready'));
      await c1.next((m) => m['name'] === 'ready');
      const last = Object.fromEntries([...seqsByRecipient(c1.received)].map(([id, s]) => [id, s[s.length - 1]!]));
      c1.terminate();
      const missed = [await w.emit(a, 'away'), await w.emit(a, 'ready', loggedIn('Ready')), await w.emit(b, 'ready', loggedIn('Ready'))];
      const c2 = await w.connect();
      const { complete } = await subscribed(c2, w.token.admin, { account_id: account, binding: BINDING, resume: last });
      assert.deepEqual(complete['data']['resumed'].sort(), [a, b].sort());
      assert.deepEqual(complete['data']['resynced'], []);
      assert.equal(complete['data']['reason'], 'resume');
      assert.equal(c2.events('snapshot').length, 0);
      const got = c2.events().filter((m) => m['name'] !== 'snapshot_complete').map((m) => `${m['name']}/${m['data']['seq']}`);
      assert.deepEqual(got.sort(), missed.map((e) => `${e.event}/${e.seq}`).sort());
    });

    it('a gap no longer buffered gets a fresh snapshot, flagged resync; a recipient gone meanwhile too', async () => {
      await w.close();
      w = await startLiveWorld({ env: { LIVE_RESUME_EVENTS: '3' } });
      account = w.fixture.account.id;
      const [a, b] = [w.fixture.agent.id, w.fixture.agent2.id];
      await w.login(a);
      await w.login(b);
      const c1 = await w.connect();
      await subscribed(c1, w.token.admin, { account_id: account, binding: BINDING });
      const lastA = w.seqOf(a);
      const lastB = w.seqOf(b);
      c1.terminate();
      for (let i = 0; i < 6; i++) await w.emit(a, i % 2 ? 'away' : 'ready', loggedIn(i % 2 ? 'Away' : 'Ready'));
      await w.emit(b, 'delete');
      const c2 = await w.connect();
      const unknownGone = newId();
      const { complete } = await subscribed(c2, w.token.admin, { account_id: account, binding: BINDING, resume: { [a]: lastA, [b]: lastB, [unknownGone]: 5 } });
      assert.deepEqual(complete['data']['resynced'].sort(), [a, unknownGone].sort());
      assert.deepEqual(complete['data']['resumed'], [b], 'b: its delete is still buffered');
      const snapA = c2.events('snapshot').find((m) => m['data']['recipient_id'] === a)!;
      assert.equal(snapA['data']['resync'], true);
      assert.equal(snapA['data']['seq'], w.seqOf(a));
      const snapGone = c2.events('snapshot').find((m) => m['data']['recipient_id'] === unknownGone)!;
      assert.deepEqual(snapGone['data']['status'], { available: false, availability_state: 'Not-Logged-In' });
      assert.equal(snapGone['data']['seq'], 0);
      assert.equal(c2.events('delete').length, 1, 'b: the missed delete is replayed');
    });

    it('after a bus outage every subscriber gets a fresh snapshot (reason reconnect)', async () => {
      const a = w.fixture.agent.id;
      await w.login(a);
      const c = await w.connect();
      await subscribed(c, w.token.admin, { account_id: account, binding: BINDING });
      w.bus.simulateDisconnect();
      w.worker.statuses.set(a, loggedIn('Ready'));
      w.worker.seqs.set(a, w.seqOf(a) + 5);
      w.bus.simulateReconnect();
      const done = await c.next((m) => m['name'] === 'snapshot_complete' && m['data']['reason'] === 'reconnect');
      assert.equal(done['data']['recipients'], 1);
      const snap = c.events('snapshot').filter((m) => m['data']['resync'] === true);
      assert.equal(snap.length, 1);
      assert.equal(snap[0]!['data']['status']['availability_state'], 'Ready');
    });
  });

  describe('security', () => {
    it("other accounts' events never arrive; their snapshot is never read", async () => {
      const a = w.fixture.agent.id;
      await w.login(a);
      const c = await w.connect();
      await subscribed(c, w.token.admin, { account_id: account, binding: 'qubicle.recipient.#' });
      const foreignRecipient = newId();
      await w.emit(foreignRecipient, 'create', loggedIn('Away'), w.fixture.other.id);
      await w.emit(a, 'ready', loggedIn('Ready'), w.fixture.other.id); // same recipient id, other account
      const mine = await w.emit(a, 'away');
      await c.next((m) => m['data']?.['seq'] === mine.seq);
      assert.ok(c.received.every((m) => m['action'] !== 'event' || m['data']['account_id'] === account));
      assert.ok(c.events().every((m) => !String(m['routing_key']).includes(w.fixture.other.id)));
    });

    it("subscribing to another account's id is refused; so is a token of another account on the same socket", async () => {
      const c = await w.connect();
      const r1 = c.subscribe(w.token.admin, { account_id: w.fixture.other.id, binding: BINDING });
      const e1 = await c.reply(r1);
      assert.equal(e1['status'], 'error');
      assert.equal(e1['data']['code'], 'forbidden');
      await subscribed(c, w.token.admin, { account_id: account, binding: BINDING });
      const r2 = c.subscribe(w.token.otherAccount, { account_id: w.fixture.other.id, binding: BINDING });
      const e2 = await c.reply(r2);
      assert.equal(e2['data']['code'], 'forbidden');
      assert.equal(w.worker.directoryRequests('recipient_list').filter((r) => r.body['account_id'] !== account).length, 0);
    });

    it('a plain user sees every recipient of the account, as the API lets them read every status', async () => {
      const [a, b] = [w.fixture.agent.id, w.fixture.agent2.id];
      await w.login(a);
      await w.login(b);
      const c = await w.connect();
      await subscribed(c, w.token.agent, { account_id: account, binding: BINDING });
      assert.deepEqual(c.events('snapshot').map((m) => m['data']['recipient_id']).sort(), [a, b].sort());
    });

    it('missing, invalid or expired tokens are refused', async () => {
      const c = await w.connect();
      const r1 = c.subscribe(undefined, { account_id: account, binding: BINDING });
      assert.equal((await c.reply(r1))['data']['code'], 'unauthorized');
      const r2 = c.subscribe('not-a-token', { account_id: account, binding: BINDING });
      const e2 = await c.reply(r2);
      assert.equal(e2['data']['code'], 'unauthorized');
      assert.ok(!JSON.stringify(e2).includes('not-a-token'), 'the token is never echoed');
      w.clock.now += 2 * 3600_000;
      const r3 = c.subscribe(w.token.admin, { account_id: account, binding: BINDING });
      assert.equal((await c.reply(r3))['data']['code'], 'unauthorized');
    });

    it('a token that expires ends the subscription: close 4001 "token expired"', async () => {
      const c = await w.connect();
      await subscribed(c, w.token.admin, { account_id: account, binding: BINDING });
      w.clock.now += 3601_000;
      w.gateway.live!.checkTimers();
      const closed = await c.closed;
      assert.deepEqual(closed, { code: LIVE_CLOSE_CODES.token_expired, reason: 'token expired' });
      assert.equal(w.gateway.live!.stats().connections, 0);
    });

    it('a token ended since (its user deleted: a notice) closes its sockets 4003 "token revoked"; other tokens stay', async () => {
      const admin = await w.connect();
      const agent = await w.connect();
      await subscribed(admin, w.token.admin, { account_id: account, binding: BINDING });
      await subscribed(agent, w.token.agent, { account_id: account, binding: BINDING });
      await w.bus.publish(AUTH_EXCHANGE, authNoticeKey('principal_changed'), {
        type: 'principal_changed',
        account_id: account,
        user_id: w.fixture.admin.id,
        reason: 'user_deleted',
        at: w.clock.now,
      });
      // the notice reaches the gateway's feed asynchronously; the hub's 1 s timer closes the socket
      await until('the admin socket closed', () => {
        w.gateway.live!.checkTimers();
        return w.gateway.live!.stats().connections === 1;
      });
      assert.deepEqual(await admin.closed, { code: LIVE_CLOSE_CODES.token_revoked, reason: 'token revoked' });
      assert.equal(agent.events('snapshot_complete').length, 1, 'the other socket is still there');
    });

    it('a socket whose token the directory refuses on its periodic re-check is closed 4003', async () => {
      const c = await w.connect();
      await subscribed(c, w.token.agent, { account_id: account, binding: BINDING });
      w.worker.users.delete(w.fixture.agent.id); // deleted while the notice got lost
      w.clock.now += 60_000; // AUTH_TOKEN_RECHECK_MS: the answer is stale
      w.gateway.live!.checkTimers();
      assert.equal((await c.closed).code, LIVE_CLOSE_CODES.token_revoked);
    });

    it('a socket that never subscribes is closed 4002 after the authentication timeout', async () => {
      const c = await w.connect();
      w.clock.now += 31_000;
      w.gateway.live!.checkTimers();
      assert.equal((await c.closed).code, LIVE_CLOSE_CODES.auth_timeout);
    });

    it('a slow consumer is closed 4008 instead of buffering without bound', async () => {
      await w.close();
      w = await startLiveWorld({ env: { LIVE_MAX_BUFFERED_BYTES: String(64 * 1024) } });
      account = w.fixture.account.id;
      const a = w.fixture.agent.id;
      await w.login(a);
      const c = await w.connect();
      await subscribed(c, w.token.admin, { account_id: account, binding: BINDING });
      (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause(); // stop reading
      const big = { ...loggedIn('Ready'), away_reason: 'x'.repeat(8000) };
      for (let i = 0; i < 5000 && w.gateway.live!.stats().connections > 0; i++) {
        await w.emit(a, i % 2 ? 'ready' : 'queue_status', big);
      }
      assert.equal(w.gateway.live!.stats().connections, 0, 'the gateway let go of the socket');
      (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const closed = await c.closed;
      assert.ok(closed.code === LIVE_CLOSE_CODES.slow_consumer || closed.code === 1006, String(closed.code));
      const metrics = await (await fetch(`${w.httpUrl}/metrics`)).text();
      assert.match(metrics, /qubicle_gateway_live_closed_total\{reason="slow_consumer"\} 1/);
    });

    it('the gateway-wide backlog limit cuts the slowest consumers first', async () => {
      await w.close();
      w = await startLiveWorld({ env: { LIVE_MAX_BUFFERED_BYTES: String(64 * 1024 * 1024), LIVE_MAX_TOTAL_BUFFERED_BYTES: String(256 * 1024) } });
      account = w.fixture.account.id;
      const a = w.fixture.agent.id;
      await w.login(a);
      const slow = await w.connect();
      const healthy = await w.connect();
      await subscribed(slow, w.token.admin, { account_id: account, binding: BINDING });
      await subscribed(healthy, w.token.admin, { account_id: account, binding: BINDING });
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const big = { ...loggedIn('Ready'), away_reason: 'x'.repeat(8000) };
      for (let i = 0; i < 5000 && w.gateway.live!.stats().connections === 2; i++) {
        await w.emit(a, i % 2 ? 'ready' : 'queue_status', big);
        if (i % 20 === 0) w.gateway.live!.checkBuffers();
      }
      assert.equal(w.gateway.live!.stats().connections, 1, 'only the slow one was cut');
      const last = await w.emit(a, 'away');
      await healthy.next((m) => m['data']?.['seq'] === last.seq);
    });

    it('limits: subscriptions per socket and message size', async () => {
      const c = await w.connect();
      const many = Array.from({ length: 17 }, (_, i) => `qubicle.recipient.${newId()}.${i % 2 ? 'ready' : 'away'}`);
      const r = c.subscribe(w.token.admin, { account_id: account, bindings: many });
      const e = await c.reply(r);
      assert.equal(e['data']['code'], 'too_many_subscriptions');
      c.send(JSON.stringify({ action: 'ping', request_id: 'x'.repeat(70_000) }));
      assert.equal((await c.closed).code, LIVE_CLOSE_CODES.message_too_big);
    });
  });

  describe('invalid messages get an error reply (and the socket stays open)', () => {
    const cases: Array<[string, unknown, string]> = [
      ['not JSON', '{nope', 'invalid_message'],
      ['unknown action', { action: 'dance', request_id: 'r' }, 'invalid_message'],
      ['subscribe without data', { action: 'subscribe', request_id: 'r', auth_token: 't' }, 'invalid_message'],
      ['subscribe without a binding', { action: 'subscribe', request_id: 'r', data: { account_id: '0'.repeat(32) } }, 'invalid_message'],
      ['a binding of another application', { action: 'subscribe', request_id: 'r', data: { account_id: '0'.repeat(32), binding: 'call.CHANNEL_CREATE.*' } }, 'invalid_message'],
      ['a bad account id', { action: 'subscribe', request_id: 'r', data: { account_id: 'ACME', binding: BINDING } }, 'invalid_message'],
      ['an unknown field', { action: 'ping', request_id: 'r', extra: 1 }, 'invalid_message'],
      ['a negative resume seq', { action: 'subscribe', request_id: 'r', data: { account_id: '0'.repeat(32), binding: BINDING, resume: { ['a'.repeat(32)]: -1 } } }, 'invalid_message'],
    ];
    for (const [what, msg, code] of cases) {
      it(what, async () => {
        const c = await w.connect();
        c.send(msg);
        const reply = await c.next((m) => m['action'] === 'reply');
        assert.equal(reply['status'], 'error');
        assert.equal(reply['data']['code'], code);
        assert.ok(reply['data']['errors'].length > 0);
        if (typeof msg === 'object') assert.equal(reply['request_id'], 'r');
        c.send({ action: 'ping', request_id: 'still-open' });
        assert.equal((await c.reply('still-open'))['status'], 'success');
      });
    }

    it('bindings that cannot match any event: unsupported_binding, nothing subscribed', async () => {
      const c = await w.connect();
      for (const binding of ['qubicle.agent.*', 'qubicle.recipient.*.dance', 'qubicle.recipient.a.b.c']) {
        const r = c.subscribe(w.token.admin, { account_id: account, binding });
        const reply: ServerMessage = await c.reply(r);
        assert.equal(reply['data']['code'], 'unsupported_binding', binding);
      }
      assert.equal(w.gateway.live!.stats().subscriptions, 0);
    });
  });
});
