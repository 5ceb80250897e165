/**
 * End to end: bad bus input. An invalid fire-and-forget message (no replyTo: a call event from
 * a media service) lands in the dead-letter queue with why, where from and its correlation id;
 * an invalid RPC gets an `invalid_message` reply. Neither crashes the consumer nor comes back.
 */
import { strict as assert } from 'node:assert';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_QUEUE, shardOf, shardQueue, type RpcReply } from '@qubicle/contracts';
import { busClient, callOf, EventLog } from '../support/events.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

const Q = 'f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6';

describe('e2e: dead-lettering invalid bus messages', function () {
  this.timeout(30_000);
  let sys: System;
  let t: Tenant;
  let conn: ChannelModel;
  let ch: Channel;
  const dead: ConsumeMessage[] = [];
  let arrived: () => void = () => {};

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'dead-letter');
    conn = await connect(sys.amqpUrl);
    ch = await conn.createChannel();
    await ch.consume(DEAD_LETTER_QUEUE, (m) => {
      if (!m) return;
      dead.push(m);
      ch.ack(m);
      arrived();
    });
  });
  after(async () => {
    await conn?.close().catch(() => {});
  });

  /** Resolves with the dead letter whose correlation id is `id` (fails after `ms`). */
  function deadLetter(correlationId: string, ms = 5_000): Promise<ConsumeMessage> {
    const find = () => dead.find((m) => m.properties.headers?.['x-correlation-id'] === correlationId);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no dead letter with correlation id ${correlationId} within ${ms} ms`)), ms);
      const check = () => {
        const m = find();
        if (!m) return;
        clearTimeout(timer);
        resolve(m);
      };
      const previous = arrived;
      arrived = () => {
        previous();
        check();
      };
      check();
    });
  }

  /** A fire-and-forget publish to a shard queue, as a media service would do it (no replyTo). */
  function fireAndForget(queue: string, content: string, correlationId: string): void {
    ch.sendToQueue(queue, Buffer.from(content), { correlationId, contentType: 'application/json', messageId: `m-${correlationId}` });
  }

  it('an invalid call event without replyTo goes to the dead-letter queue with reason, origin queue and correlation id', async () => {
    const id = await t.addRecipient({ first_name: 'Dee', last_name: 'Ell' });
    const queue = shardQueue(shardOf(t.accountId, id, sys.shardCount));
    const body = { type: 'answer', command_id: 'short', account_id: t.accountId, recipient_id: id, shard_count: sys.shardCount };
    fireAndForget(queue, JSON.stringify(body), 'corr-invalid-answer');
    const m = await deadLetter('corr-invalid-answer');
    const headers = m.properties.headers ?? {};
    assert.match(String(headers['x-reason']), /^invalid_message: .*session_id/);
    assert.match(String(headers['x-reason']), /command_id/);
    assert.equal(headers['x-original-queue'], queue);
    assert.equal(headers['x-original-message-id'], 'm-corr-invalid-answer');
    assert.deepEqual(JSON.parse(m.content.toString('utf8')), body);
  });

  it('a fire-and-forget message that is not JSON, and one routed with another shard count, are dead-lettered too', async () => {
    const queue = shardQueue(0);
    fireAndForget(queue, '{"type": "hangup", oops', 'corr-not-json');
    const m = await deadLetter('corr-not-json');
    assert.match(String(m.properties.headers?.['x-reason']), /^invalid_message: invalid JSON/);
    assert.equal(m.properties.headers?.['x-original-queue'], queue);
    assert.equal(m.content.toString('utf8'), '{"type": "hangup", oops');

    const id = await t.addRecipient({ first_name: 'Mis', last_name: 'Match' });
    const wrong = { type: 'hangup', command_id: 'cmd-mismatch-0001', account_id: t.accountId, recipient_id: id, shard_count: 3, session_id: 's' };
    fireAndForget(shardQueue(shardOf(t.accountId, id, sys.shardCount)), JSON.stringify(wrong), 'corr-mismatch');
    const mm = await deadLetter('corr-mismatch');
    assert.match(String(mm.properties.headers?.['x-reason']), /^shard_mismatch/);
  });

  it('an invalid RPC gets an invalid_message reply naming the fields; the consumer keeps serving, nothing loops', async () => {
    const id = await t.addRecipient({ first_name: 'Arr', last_name: 'Pee' });
    const queue = shardQueue(shardOf(t.accountId, id, sys.shardCount));
    const reply = (await sys.serviceBus.call(queue, { type: 'reject', account_id: t.accountId, recipient_id: id }, { timeoutMs: 3_000 })) as RpcReply<unknown>;
    assert.equal(reply.ok, false);
    if (reply.ok) return;
    assert.equal(reply.error.code, 'invalid_message');
    assert.match(reply.error.message, /session_id/);
    assert.equal(reply.node, 'e2e-worker');
    const before = dead.length;

    // the same shard queue still serves, and a VALID fire-and-forget call event is applied
    const client = busClient(sys);
    await client.login(t.accountId, id);
    await client.setStatus(t.accountId, id, 'ready');
    const events = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${t.accountId}.${id}.*`]);
    try {
      const call = callOf(Q);
      await client.offer(t.accountId, id, { call, offer_timeout_seconds: 30, wrapup_seconds: 0 });
      const answer = { type: 'answer', command_id: 'media-answer-00000001', account_id: t.accountId, recipient_id: id, shard_count: sys.shardCount, session_id: call.session_id, by: { service: 'media' } };
      fireAndForget(queue, JSON.stringify(answer), 'corr-valid-answer');
      await events.next(id, 'delivered');
      assert.equal((await client.status(t.accountId, id)).availability_state, 'On-A-Call');
      // a refused fire-and-forget event (a duplicate hangup) changes nothing and is not dead-lettered
      await client.hangup(t.accountId, id, call.session_id);
      const dup = { ...answer, type: 'hangup', command_id: 'media-hangup-0000002' };
      fireAndForget(queue, JSON.stringify(dup), 'corr-dup-hangup');
      // a later RPC on the same queue is handled after it (one ordered stream per shard)
      const s = await client.status(t.accountId, id);
      assert.equal(s.availability_state, 'Ready');
      assert.equal(s.stats?.total_calls, 1);
    } finally {
      await events.stop();
    }
    assert.equal(dead.length, before, 'valid messages are never dead-lettered');
  });
});
