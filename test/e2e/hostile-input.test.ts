/**
 * End to end, the reproductions of issue 11's hostile-input items, exactly as reported, against a
 * real gateway and worker over RabbitMQ (the property-based suite in test/fuzz/ generalises them):
 *
 * 1. one `__proto__` key killed the service: a plain agent's bulk set, one websocket message with no
 *    token, a get_status / a directory user_list on the bus;
 * 4. a users document with a 10,000-level nested field answered 500;
 * 5. answers much larger than the question: 0.8 MB of bad ids, a 60 KB websocket message; 1,200
 *    queue ids for one recipient; a bulk set of 1,001 recipients;
 * 6. rejected secrets echoed in `cause`: password too short / too long, mistyped api key and
 *    credentials hash, an over-long websocket token.
 */
import { strict as assert } from 'node:assert';
import { MAX_QUEUES_PER_RECIPIENT, newKazooId, shardOf, shardQueue } from '@qubicle/contracts';
import { TestClient } from '../../services/api-gateway/test/live/test-client.js';
import { RawBus } from '../fuzz/support/raw-bus.js';
import { assertPrototypesUntouched } from '../fuzz/support/invariants.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

describe('e2e: hostile input (issue 11 reproductions)', function () {
  this.timeout(60_000);
  let sys: System;
  let t: Tenant;
  let agent: { id: string; token: string };
  let bus: RawBus;
  const clients: TestClient[] = [];
  const socket = async () => {
    const c = await TestClient.open(`${sys.url.replace(/^http/, 'ws')}/socket`);
    clients.push(c);
    return c;
  };

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'hostile');
    agent = await t.addUser({ first_name: 'Hostile', last_name: 'Agent' });
    assert.equal((await t.setStatus(agent.id, { status: 'login' })).status, 200);
    bus = await RawBus.open(sys.amqpUrl);
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await bus?.close();
  });
  afterEach(() => assertPrototypesUntouched());

  describe('1. one __proto__ key', () => {
    it("a plain agent's bulk set with a __proto__ key: 400, and every additionalProperties:false contract still validates", async () => {
      const body = `{"data":{"set_status":true,"__proto__":{"global":"ready"},"${agent.id}":{"global":"ready"}}}`;
      const res = await sys.api('POST', `${t.base}/status`, body, agent.token);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.data.message, 'request body refused: the key "__proto__" is not allowed');
      // the same agent's valid bulk set (additionalProperties: false) still goes through
      const ok = await sys.api('POST', `${t.base}/status`, { data: { set_status: true, [agent.id]: { global: 'ready' } } }, agent.token);
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body.data, { [agent.id]: { global: 'ok' } });
      assert.equal((await t.status(agent.id)).availability_state, 'Ready');
    });

    it('one websocket message with no token: invalid_message; the gateway goes on', async () => {
      const c = await socket();
      c.send('{"action":"ping","request_id":"p","__proto__":{"x":1}}');
      const reply = await c.next((m) => m['action'] === 'reply');
      assert.equal(reply['data']['code'], 'invalid_message');
      c.send({ action: 'ping', request_id: 'p2' });
      assert.equal((await c.reply('p2'))['data']['response'], 'pong');
      assert.equal((await sys.api('GET', '/healthz')).status, 200);
    });

    it('a get_status and a directory user_list with a "__proto__":{} field: invalid_message; the worker goes on', async () => {
      const queue = shardQueue(shardOf(t.accountId, agent.id, sys.shardCount));
      const base = `"command_id":"cmd-${newKazooId()}","account_id":"${t.accountId}","recipient_id":"${agent.id}","shard_count":${sys.shardCount}`;
      for (const [q, text] of [
        [queue, `{"type":"get_status",${base},"__proto__":{}}`],
        ['qubicle.directory', `{"type":"user_list","account_id":"${t.accountId}","__proto__":{}}`],
      ] as const) {
        const reply = JSON.parse(await bus.call(q, text)) as { ok: boolean; error: { code: string; message: string } };
        assert.equal(reply.ok, false);
        assert.equal(reply.error.code, 'invalid_message');
        assert.match(reply.error.message, /"__proto__" is not allowed/);
      }
      // the same worker answers the valid ones at once (nothing crashed, nothing is redelivered)
      const status = JSON.parse(await bus.call(queue, `{"type":"get_status",${base}}`)) as { ok: boolean };
      assert.equal(status.ok, true);
      const users = JSON.parse(await bus.call('qubicle.directory', `{"type":"user_list","account_id":"${t.accountId}"}`)) as { ok: boolean; data: unknown[] };
      assert.equal(users.ok, true);
      assert.ok(users.data.length >= 2);
    });
  });

  describe('4. deep JSON', () => {
    it('a users document with a 10,000-level nested field: 400, not 500', async () => {
      const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
      for (const [method, path] of [
        ['PUT', `/v2/accounts/${t.accountId}/users`],
        ['POST', `/v2/accounts/${t.accountId}/users/${agent.id}`],
        ['PATCH', `/v2/accounts/${t.accountId}/users/${agent.id}`],
      ] as const) {
        const res = await sys.api(method, path, `{"data":{"first_name":"Deep","last_name":"Doc","nested":${deep}}}`, t.adminToken);
        assert.equal(res.status, 400, `${method} ${path}: ${res.text.slice(0, 300)}`);
        assert.equal(res.body.data.message, 'request body refused: nested deeper than 32 levels');
      }
    });
  });

  describe('5. answers no larger than the question', () => {
    it('0.8 MB of bad ids: a capped error of a few KB', async () => {
      const ids = Array.from({ length: 25_000 }, (_, i) => `not-an-id-${String(i).padStart(20, '0')}`);
      const body = JSON.stringify({ data: { recipient_ids: ids } });
      assert.ok(body.length > 800_000 && body.length < 1_048_576, String(body.length));
      const res = await sys.api('POST', `${t.base}/status`, body, t.adminToken);
      assert.equal(res.status, 400);
      assert.ok(res.text.length < 8_000, `${res.text.length} bytes`);
      assert.ok(res.body.data.recipient_ids.maxItems);
      assert.match(res.body.data._truncated.max_details.message, /more validation errors not shown/);
    });

    it('a 60 KB websocket message with no token: a reply of a few KB, not 4.2 MB', async () => {
      const c = await socket();
      const resume = Object.fromEntries(Array.from({ length: 3_800 }, (_, i) => [`bad-k-${i}`, -1]));
      const text = JSON.stringify({ action: 'subscribe', request_id: 'big', data: { account_id: t.accountId, binding: 'qubicle.recipient.*', resume } });
      assert.ok(text.length > 55_000 && text.length < 65_536, String(text.length));
      c.send(text);
      const reply = await c.reply('big');
      assert.equal(reply['data']['code'], 'invalid_message');
      assert.ok(JSON.stringify(reply).length < 8_000, `${JSON.stringify(reply).length} bytes`);
    });

    it(`1,200 queue ids for one recipient: a new one past ${MAX_QUEUES_PER_RECIPIENT} is refused, in one body or one at a time`, async () => {
      const queue = (i: number) => i.toString(16).padStart(32, 'd');
      const bulk = await sys.api('POST', `${t.base}/status`, { data: { set_status: true, [agent.id]: Object.fromEntries(Array.from({ length: 1_200 }, (_, i) => [queue(i), 'away'])) } }, t.adminToken);
      assert.equal(bulk.status, 400, bulk.text.slice(0, 300));
      for (let i = 0; i < MAX_QUEUES_PER_RECIPIENT; i++) {
        const res = await t.setStatus(agent.id, { status: 'away', queue_id: queue(i) });
        assert.equal(res.status, 200, res.text);
      }
      const refused = await t.setStatus(agent.id, { status: 'away', queue_id: queue(MAX_QUEUES_PER_RECIPIENT) });
      assert.equal(refused.status, 400, refused.text);
      assert.ok(refused.body.data.queue_id.maxItems, refused.text);
      const status = await t.status(agent.id);
      assert.equal(Object.keys(status.queue_availability).length, MAX_QUEUES_PER_RECIPIENT);
    });

    it('a bulk set of 1,001 recipients is refused (the limit is 1,000)', async () => {
      const entries = Object.fromEntries(Array.from({ length: 1_001 }, () => [newKazooId(), { global: 'ready' }]));
      const res = await sys.api('POST', `${t.base}/status`, { data: { set_status: true, ...entries } }, t.adminToken);
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assert.ok(res.body.data.data.maxProperties, res.text.slice(0, 300));
    });
  });

  describe('6. rejected secrets are never echoed', () => {
    it('password too short / too long, mistyped api key, mistyped credentials hash', async () => {
      const users = `/v2/accounts/${t.accountId}/users`;
      const long = `long-secret-${'p'.repeat(300)}`;
      const cases: Array<[string, string, object, string | null, string]> = [
        ['PUT', users, { data: { first_name: 'A', last_name: 'B', username: `s-${newKazooId().slice(0, 6)}`, password: 'tiny!' } }, t.adminToken, 'tiny!'],
        ['PUT', users, { data: { first_name: 'A', last_name: 'B', username: `s-${newKazooId().slice(0, 6)}`, password: long } }, t.adminToken, 'long-secret-'],
        ['PUT', '/v2/api_auth', { data: { api_key: 'my-mistyped-api-key' } }, null, 'my-mistyped-api-key'],
        ['PUT', '/v2/user_auth', { data: { credentials: 'my-mistyped-md5-hash', account_name: t.name } }, null, 'my-mistyped-md5-hash'],
      ];
      for (const [method, path, body, token, secret] of cases) {
        const res = await sys.api(method, path, body, token);
        assert.equal(res.status, 400, res.text);
        assert.ok(!res.text.includes(secret), `${path} echoed the secret: ${res.text.slice(0, 300)}`);
      }
    });

    it('an over-long websocket token is not echoed (docs/live.md)', async () => {
      const c = await socket();
      c.send({ action: 'subscribe', request_id: 'tok', auth_token: `secret-token-${'x'.repeat(5_000)}`, data: { account_id: t.accountId, binding: 'qubicle.recipient.*' } });
      const reply = await c.reply('tok');
      assert.equal(reply['status'], 'error');
      assert.ok(!JSON.stringify(reply).includes('secret-token-'), JSON.stringify(reply).slice(0, 300));
    });
  });
});
