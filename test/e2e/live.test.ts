/**
 * End to end: the event websocket of a real gateway over the real RabbitMQ, fed by a real worker.
 * A call driven by bus commands (as a queue service would) shows up as contiguous events after
 * the snapshot; a reconnect resumes; the gateway consumes the events exchange once.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EVENTS_EXCHANGE, FEED_EXCHANGE, newKazooId } from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { TestClient, seqsByRecipient, subscribed } from '../../services/api-gateway/test/live/test-client.js';
import { startSystem, type System } from '../support/system.js';

const run = promisify(execFile);
const QUEUE = 'c6564319c5996b0db6f4e53d69db79d8';

describe('e2e: event websocket over RabbitMQ', function () {
  this.timeout(60_000);
  let sys: System;
  let bus: RecipientBusClient;
  let agent: { id: string; token: string };
  let other: { id: string; token: string };
  const clients: TestClient[] = [];
  const connect = async () => {
    const c = await TestClient.open(`${sys.url.replace(/^http/, 'ws')}/socket`);
    clients.push(c);
    return c;
  };
  const status = (id: string, s: string) => sys.api('POST', `/v2/accounts/${sys.accountId}/qubicle_recipients/${id}/status`, { data: { status: s } }, sys.adminToken);

  before(async () => {
    sys = await startSystem();
    bus = new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, service: 'e2e-live', timeoutMs: 5000 });
    agent = await sys.createUser({ first_name: 'Lena', last_name: 'Live' });
    other = await sys.createUser({ first_name: 'Omar', last_name: 'Other' });
    for (const id of [agent.id, other.id]) assert.equal((await status(id, 'login')).status, 200);
    assert.equal((await status(agent.id, 'ready')).status, 200);
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await sys?.stop();
  });

  it('snapshot with the real seqs, then a call as contiguous live events', async () => {
    const c = await connect();
    const { complete } = await subscribed(c, sys.adminToken, { account_id: sys.accountId, binding: 'qubicle.recipient.*' });
    assert.equal(complete['data']['recipients'], 2);
    const snap = c.events('snapshot').find((m) => m['data']['recipient_id'] === agent.id)!;
    assert.equal(snap['data']['status']['availability_state'], 'Ready');

    const session = `e2e-live-${newKazooId()}`;
    const call = { queue_id: QUEUE, session_id: session, caller_id_name: 'Carol Caller', caller_id_number: '+15555550100', queue_enter_time: Math.floor(Date.now() / 1000) };
    const offered = await bus.offer(sys.accountId, agent.id, { call, offer_timeout_seconds: 30, wrapup_seconds: 30 });
    assert.deepEqual(offered, { accepted: true });
    await bus.answer(sys.accountId, agent.id, session);
    await bus.hangup(sys.accountId, agent.id, session);

    const wrapup = await c.next((m) => m['data']?.['recipient_id'] === agent.id && m['data']['status']?.['availability_state'] === 'Wrapup-Time', 10_000);
    assert.equal(wrapup['data']['status']['wrapup_time_seconds'] > 0, true);
    const mine = c.events().filter((m) => m['data']['recipient_id'] === agent.id);
    const states = mine.map((m) => m['data']['status']['availability_state']);
    assert.deepEqual([...new Set(states)], ['Ready', 'Call-Offer', 'On-A-Call', 'Wrapup-Time']);
    const seqs = seqsByRecipient(mine).get(agent.id)!;
    for (let k = 1; k < seqs.length; k++) assert.equal(seqs[k], seqs[k - 1]! + 1, `contiguous: ${seqs.join(',')}`);
    const offer = mine.find((m) => m['name'] === 'offer')!;
    assert.equal(offer['routing_key'], `qubicle.recipient.${sys.accountId}.${agent.id}.offer`);
    assert.equal(offer['data']['status']['offered_call']['caller_id_name'], 'Carol Caller');
    await bus.wrapupCancel(sys.accountId, agent.id);
    await c.next((m) => m['data']?.['recipient_id'] === agent.id && m['data']['status']?.['availability_state'] === 'Ready');
  });

  it('a reconnecting client resumes from its last seqs: exactly the missed events', async () => {
    const c1 = await connect();
    await subscribed(c1, sys.adminToken, { account_id: sys.accountId, binding: 'qubicle.recipient.*' });
    await status(other.id, 'ready');
    await c1.next((m) => m['data']?.['recipient_id'] === other.id && m['name'] === 'ready');
    const last = Object.fromEntries([...seqsByRecipient(c1.received)].map(([id, s]) => [id, s[s.length - 1]!]));
    c1.terminate();
    await status(other.id, 'away');
    await status(agent.id, 'away');
    const c2 = await connect();
    const { complete } = await subscribed(c2, sys.adminToken, { account_id: sys.accountId, binding: 'qubicle.recipient.*', resume: last });
    assert.deepEqual(complete['data']['resynced'], []);
    assert.deepEqual([...complete['data']['resumed']].sort(), [agent.id, other.id].sort());
    const replayed = c2.events().filter((m) => m['name'] !== 'snapshot_complete');
    assert.deepEqual(replayed.map((m) => `${m['data']['recipient_id']}:${m['name']}`).sort(), [`${agent.id}:away`, `${other.id}:away`].sort());
    for (const m of replayed) assert.equal(m['data']['seq'], last[m['data']['recipient_id']]! + 1);
  });

  it("another account is refused; the gateway consumes the workers' event feed once for all its sockets", async () => {
    const c = await connect();
    const rid = c.subscribe(sys.adminToken, { account_id: newKazooId(), binding: 'qubicle.recipient.*' });
    const refused = await c.reply(rid);
    assert.equal(refused['data']['code'], 'forbidden');
    for (let i = 0; i < 3; i++) await subscribed(await connect(), sys.adminToken, { account_id: sys.accountId, binding: 'qubicle.recipient.*' });
    const vhost = decodeURIComponent(new URL(sys.amqpUrl).pathname.slice(1));
    const rabbitmqctl = (process.env['RABBITMQCTL'] ?? 'rabbitmqctl').split(' ');
    const { stdout } = await run(rabbitmqctl[0]!, [...rabbitmqctl.slice(1), 'list_bindings', '-p', vhost, 'source_name', 'routing_key', '--formatter', 'json']);
    const all = JSON.parse(stdout) as Array<{ source_name: string; routing_key: string }>;
    // one queue on the batched feed for the read model and every socket (docs/bus.md) ...
    const feed = all.filter((b) => b.source_name === FEED_EXCHANGE);
    assert.equal(feed.length, 1, JSON.stringify(feed));
    // ... and no per-event copy of every event from the topic exchange
    const topicAll = all.filter((b) => b.source_name === EVENTS_EXCHANGE && b.routing_key === 'qubicle.recipient.#');
    assert.equal(topicAll.length, 0, JSON.stringify(topicAll));
  });
});
