import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEAD_LETTER_EXCHANGE, DIRECTORY_REQUEST_TYPES, SHARD_MESSAGE_TYPES, shardQueue, type RpcReply } from '@qubicle/contracts';
import { NO_REPLY, type IncomingMessage } from '@qubicle/transport';
import { createShardHandler } from '../../src/handlers/shard-handler.js';
import { heldGate } from '../support/gate.js';
import { DIRECTORY_SENDERS, SHARD_SENDERS, senderRefusal, type SenderRoles } from '../../src/handlers/senders.js';
import { SHARDS, actorHarness } from '../support/actor-harness.js';
import { ACCOUNT, NODE, RECIPIENT, cmd, offerCmd } from '../support/machine-fixtures.js';
import { createDirectoryHandler } from '../../src/directory/directory-handler.js';
import { makeHarness, recordingLogger, type LogLine } from '../directory/support/harness.js';
import { STORE_FACTORIES } from '../directory/support/stores.js';

const ROLES: SenderRoles = new Map([
  ['qubicle-worker', 'worker'],
  ['qubicle-gateway', 'gateway'],
  ['sales-queue', 'service'],
]);

describe('handlers: who may send what (BUS_SENDERS)', () => {
  it('every shard message and directory request has its senders decided', () => {
    assert.deepEqual(Object.keys(SHARD_SENDERS).sort(), [...SHARD_MESSAGE_TYPES].sort());
    assert.deepEqual(Object.keys(DIRECTORY_SENDERS).sort(), [...DIRECTORY_REQUEST_TYPES].sort());
  });

  it('docs/bus.md#who-may-send-what shows exactly these tables', () => {
    const doc = readFileSync(new URL('../../../../docs/bus.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Who may send what'), doc.indexOf('## Guarantees'));
    const documented = { shard: new Map<string, string[]>(), directory: new Map<string, string[]>() };
    for (const row of section.split('\n').filter((l) => /^\| (directory )?`/.test(l))) {
      const [what, gateway, service] = row.split('|').slice(1, 4).map((c) => c.trim());
      const roles = [...(gateway === 'yes' ? ['gateway'] : []), ...(service === 'yes' ? ['service'] : [])];
      const kind = what!.startsWith('directory') ? 'directory' : 'shard';
      for (const m of what!.matchAll(/`([a-z_]+)`/g)) documented[kind].set(m[1]!, roles);
    }
    assert.deepEqual(Object.fromEntries(documented.shard), Object.fromEntries(Object.entries(SHARD_SENDERS).map(([k, v]) => [k, [...v]])));
    assert.deepEqual(Object.fromEntries(documented.directory), Object.fromEntries(Object.entries(DIRECTORY_SENDERS).map(([k, v]) => [k, [...v]])));
  });

  it('senderRefusal: by role; no user_id or an unlisted user is refused; unknown types are the handler\'s to refuse', () => {
    const refusal = (user: string | undefined, type: unknown) => senderRefusal(ROLES, SHARD_SENDERS, user, { type });
    assert.equal(refusal('qubicle-gateway', 'login'), undefined);
    assert.equal(refusal('sales-queue', 'offer'), undefined);
    assert.equal(refusal('sales-queue', 'get_status'), undefined);
    assert.equal(refusal('qubicle-worker', 'login'), undefined);
    assert.equal(refusal('qubicle-worker', 'offer'), undefined);
    assert.match(refusal('sales-queue', 'login') ?? '', /the service role may not send it/);
    assert.match(refusal('qubicle-gateway', 'hangup') ?? '', /the gateway role may not send it/);
    assert.match(refusal(undefined, 'login') ?? '', /no user_id/);
    assert.match(refusal('mallory', 'get_status') ?? '', /'mallory' is not listed in BUS_SENDERS/);
    assert.equal(refusal('mallory', 'launch_rockets'), undefined);
    assert.equal(refusal('mallory', 'toString'), undefined, 'an inherited key is not a type');
    assert.equal(senderRefusal(ROLES, SHARD_SENDERS, 'mallory', null), undefined);
  });

  describe('shard handler', () => {
    function setup() {
      const h = actorHarness();
      const published: Array<{ exchange: string; headers: Record<string, unknown> | undefined; body: unknown }> = [];
      const handle = createShardHandler({
        registry: h.registry,
        gate: heldGate({ clock: h.clock, shardCount: SHARDS }).gate,
        store: h.store,
        bus: { call: async () => ({ ok: true, data: {} }), publish: async (exchange, _key, body, o) => void published.push({ exchange, headers: o?.headers, body }) },
        logger: h.logger,
        node: NODE,
        shardCount: SHARDS,
        senders: ROLES,
      });
      /** an RPC, or fire-and-forget (no replyTo) with `fireAndForget` */
      const send = async (body: unknown, userId: string | undefined, fireAndForget = false) => {
        const msg: IncomingMessage = { body, redelivered: false, headers: {}, routingKey: shardQueue(h.shard), correlationId: 'corr-s' };
        if (!fireAndForget) msg.replyTo = 'amq.rabbitmq.reply-to.x';
        if (userId !== undefined) msg.userId = userId;
        return (await handle(msg)) as RpcReply<unknown>;
      };
      const state = () => h.registry.peek(ACCOUNT, RECIPIENT)?.state?.availability_state;
      return { h, send, published, state };
    }
    const withShards = <T extends object>(c: T) => ({ ...c, shard_count: SHARDS });

    it('a login from the service role or without user_id is refused (forbidden) and changes nothing; from the gateway it is applied', async () => {
      const t = setup();
      for (const user of ['sales-queue', undefined, 'mallory']) {
        const r = await t.send(withShards(cmd({ type: 'login' })), user);
        assert.equal(!r.ok && r.error.code, 'forbidden', String(user));
        assert.equal(r.node, NODE);
        assert.equal(t.state(), undefined, 'not logged in');
      }
      const warn = t.h.logger.entries.find((e) => e.msg === 'shard message refused: sender not allowed');
      assert.equal((warn?.obj as { userId?: string }).userId, 'sales-queue');
      assert.equal((await t.send(withShards(cmd({ type: 'login' })), 'qubicle-gateway')).ok, true);
      assert.equal((await t.send(withShards(cmd({ type: 'set_status', status: 'ready' })), 'qubicle-gateway')).ok, true);
      // call events come from the queue/media service, not from the gateway
      assert.equal(((r) => !r.ok && r.error.code)(await t.send(withShards(offerCmd('call-g')), 'qubicle-gateway')), 'forbidden');
      assert.equal(t.state(), 'Ready');
      assert.equal((await t.send(withShards(offerCmd('call-s')), 'sales-queue')).ok, true);
      assert.equal(t.state(), 'Call-Offer');
    });

    it('a refused fire-and-forget message is dead-lettered with reason forbidden, never applied', async () => {
      const t = setup();
      await t.send(withShards(cmd({ type: 'login' })), 'qubicle-gateway');
      const reply = await t.send(withShards(cmd({ type: 'logout' })), 'sales-queue', true);
      assert.equal(reply as unknown, NO_REPLY);
      assert.equal(t.published.length, 1);
      assert.equal(t.published[0]!.exchange, DEAD_LETTER_EXCHANGE);
      assert.match(String(t.published[0]!.headers!['x-reason']), /^forbidden: logout refused: the service role may not send it/);
      assert.equal(t.published[0]!.headers!['x-correlation-id'], 'corr-s');
      assert.equal(t.state(), 'Away', 'still logged in');
    });
  });

  describe('directory handler', () => {
    it('user documents and password checks only for the gateway; a queue service gets its look-ups', async () => {
      const h = await makeHarness(STORE_FACTORIES[0]!);
      try {
        const logs: LogLine[] = [];
        const handler = createDirectoryHandler({ store: h.store, bus: { call: async () => ({ ok: true }) }, logger: recordingLogger(logs), shardCount: 4, node: NODE, senders: ROLES });
        const ask = (body: unknown, userId?: string) => handler(userId === undefined ? { body } : { body, userId });
        const code = (r: RpcReply<unknown>) => (r.ok ? 'ok' : r.error.code);
        const userList = { type: 'user_list', account_id: h.account.id };
        assert.equal(code(await ask(userList, 'qubicle-gateway')), 'ok');
        assert.equal(code(await ask(userList, 'sales-queue')), 'forbidden');
        assert.equal(code(await ask(userList)), 'forbidden');
        assert.equal(code(await ask({ type: 'auth_user', account_name: h.account.name, credentials: 'a'.repeat(32) }, 'sales-queue')), 'forbidden');
        assert.equal(code(await ask({ type: 'recipient_list', account_id: h.account.id }, 'sales-queue')), 'ok');
        assert.equal(code(await ask({ type: 'cluster_info' }, 'sales-queue')), 'ok');
        assert.equal(code(await ask({ type: 'account_find', name: h.account.name }, 'sales-queue')), 'ok');
        // a refused sender learns nothing about the request's validity
        assert.equal(code(await ask({ type: 'user_get' }, 'sales-queue')), 'forbidden');
        assert.equal(code(await ask({ type: 'user_get' }, 'qubicle-gateway')), 'invalid_message');
        const refused = logs.filter((l) => l.msg === 'directory: request refused, sender not allowed');
        assert.deepEqual(refused.map((l) => (l.obj as { userId?: string }).userId), ['sales-queue', undefined, 'sales-queue', 'sales-queue']);
      } finally {
        await h.store.close();
      }
    });
  });
});
