import assert from 'node:assert/strict';
import { DIRECTORY_QUEUE, QubicleFailure, isRetryableFailure, shardOf, shardQueue, validateShardMessage } from '@qubicle/contracts';
import { FAN_OUT_CHUNK, InvalidReplyError, ShardClient, groupByShard, type CallRecord, type RpcCaller } from '../src/index.js';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const R = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const STATS = { total_calls: 0, missed_calls: 0, avg_call_time: 0, login_time: 1, last_action_time: 1, last_handled_time: 0 };
const READY = { available: true, availability_state: 'Ready', queue_availability: {}, wrapup_time_seconds: 0, stats: STATS, node: 'w1' } as const;

interface Sent {
  queue: string;
  body: any;
}

function fakeCaller(answer: (sent: Sent) => unknown): RpcCaller & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    async call(queue, body) {
      const s = { queue, body: structuredClone(body) as any };
      sent.push(s);
      const reply = answer(s);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  };
}

const ids = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => `${prefix}${i.toString(16).padStart(31, '0')}`);
const getStatusMany = (group: string[], shardCount: number) =>
  ({ type: 'get_status_many', command_id: 'many-0000001', account_id: A, recipient_ids: group, shard_count: shardCount }) as const;
const login = (shardCount: number) => ({ type: 'login', command_id: 'login-000001', account_id: A, recipient_id: R, shard_count: shardCount }) as const;
const mismatch = (expected: number, got: number) => ({ ok: false, error: { code: 'shard_mismatch', message: 'm', expected, got } });
/** A worker with `count` shards: directory answers it, commands routed with another count get shard_mismatch. */
const cluster = (count: number, data: (s: Sent) => unknown) => (s: Sent) =>
  s.queue === DIRECTORY_QUEUE ? { ok: true, data: { shard_count: count } } : s.body.shard_count === count ? { ok: true, data: data(s) } : mismatch(count, s.body.shard_count);

describe('client: ShardClient', () => {
  describe('fan-out', () => {
    it('one message per shard, each with only that shard’s ids, sent to that shard’s queue; the replies merged', async () => {
      const all = ids(40);
      const caller = fakeCaller((s) => ({ ok: true, data: Object.fromEntries((s.body.recipient_ids as string[]).map((id) => [id, 'not_logged_in'])) }));
      const client = new ShardClient({ caller, shardCount: 8 });
      const merged = await client.fanOut(A, all, getStatusMany);
      const shards = new Set(all.map((id) => shardOf(A, id, 8)));
      assert.equal(caller.sent.length, shards.size);
      for (const s of caller.sent) {
        const shard = shardOf(A, s.body.recipient_ids[0], 8);
        assert.equal(s.queue, shardQueue(shard));
        assert.ok((s.body.recipient_ids as string[]).every((id) => shardOf(A, id, 8) === shard));
        assert.ok(validateShardMessage(s.body).ok);
      }
      assert.deepEqual(Object.keys(merged).sort(), [...all].sort());
      assert.deepEqual(
        caller.sent.flatMap((s) => s.body.recipient_ids).sort(),
        [...all].sort(),
        'every id asked exactly once',
      );
    });

    it('deduplicates ids and splits a shard’s ids into chunks of FAN_OUT_CHUNK', async () => {
      const all = ids(FAN_OUT_CHUNK + 5);
      const caller = fakeCaller((s) => ({ ok: true, data: Object.fromEntries((s.body.recipient_ids as string[]).map((id) => [id, 'not_logged_in'])) }));
      const client = new ShardClient({ caller, shardCount: 1 });
      const merged = await client.fanOut(A, [...all, ...all.slice(0, 10)], getStatusMany);
      assert.deepEqual(caller.sent.map((s) => s.body.recipient_ids.length), [FAN_OUT_CHUNK, 5]);
      assert.equal(Object.keys(merged).length, all.length);
      assert.deepEqual(await client.fanOut(A, [], getStatusMany), {});
      assert.equal(caller.sent.length, 2, 'nothing sent for no ids');
    });

    it('onReply sees each reply with the ids it answers (seqs included)', async () => {
      const all = ids(10);
      const caller = fakeCaller((s) => ({
        ok: true,
        data: Object.fromEntries((s.body.recipient_ids as string[]).map((id) => [id, READY])),
        seqs: Object.fromEntries((s.body.recipient_ids as string[]).map((id) => [id, 7])),
      }));
      const seen: string[] = [];
      await new ShardClient({ caller, shardCount: 4 }).fanOut(A, all, getStatusMany, {}, (reply, group) => {
        for (const id of group) if (reply.seqs?.[id] === 7 && reply.data[id] !== undefined) seen.push(id);
      });
      assert.deepEqual(seen.sort(), [...all].sort());
    });

    it('on shard_mismatch the whole fan-out is re-sent ONCE with the cluster’s count', async () => {
      const all = ids(20);
      const caller = fakeCaller(cluster(8, (s) => Object.fromEntries((s.body.recipient_ids as string[]).map((id) => [id, 'not_logged_in']))));
      const client = new ShardClient({ caller, shardCount: 4 });
      const merged = await client.fanOut(A, all, getStatusMany);
      assert.equal(Object.keys(merged).length, all.length);
      const at8 = caller.sent.filter((s) => s.queue !== DIRECTORY_QUEUE && s.body.shard_count === 8);
      assert.deepEqual(at8.map((s) => s.queue).sort(), [...groupByShard(A, all, 8).keys()].map(shardQueue).sort());
      assert.equal(caller.sent.filter((s) => s.queue === DIRECTORY_QUEUE).length, 1);
      assert.equal(client.shards.value, 8);
    });
  });

  describe('the one shard_mismatch retry', () => {
    it('re-sends the same message once, to the shard of the new count', async () => {
      const caller = fakeCaller(cluster(8, () => READY));
      const client = new ShardClient({ caller, shardCount: 4 });
      const reply = await client.toRecipient(A, R, login);
      assert.deepEqual(reply.data, READY);
      const commands = caller.sent.filter((s) => s.queue !== DIRECTORY_QUEUE);
      assert.deepEqual(commands.map((s) => [s.queue, s.body.shard_count]), [
        [shardQueue(shardOf(A, R, 4)), 4],
        [shardQueue(shardOf(A, R, 8)), 8],
      ]);
      assert.equal(commands[0]!.body.command_id, commands[1]!.body.command_id);
    });

    it('a second shard_mismatch is thrown: exactly two sends, no loop', async () => {
      const caller = fakeCaller((s) => (s.queue === DIRECTORY_QUEUE ? { ok: true, data: { shard_count: 4 } } : mismatch(5, 4)));
      const client = new ShardClient({ caller, shardCount: 4 });
      await assert.rejects(client.toRecipient(A, R, login), (e: unknown) => e instanceof QubicleFailure && e.error.code === 'shard_mismatch');
      assert.equal(caller.sent.filter((s) => s.queue !== DIRECTORY_QUEUE).length, 2);
    });

    it('other failures are not retried here (misrouted included)', async () => {
      for (const code of ['misrouted', 'unavailable', 'timeout']) {
        const caller = fakeCaller(() => ({ ok: false, error: { code, message: code } }));
        await assert.rejects(new ShardClient({ caller, shardCount: 4 }).toRecipient(A, R, login), (e: unknown) => e instanceof QubicleFailure && e.error.code === code);
        assert.equal(caller.sent.length, 1, code);
      }
    });
  });

  describe('replies', () => {
    it('are validated against the message’s reply schema: a wrong one is an InvalidReplyError naming the message', async () => {
      const half = { available: true, availability_state: 'Ready' }; // a logged-in status without its fields
      const client = new ShardClient({ caller: fakeCaller(() => ({ ok: true, data: half })), shardCount: 4 });
      const err = await client.toRecipient(A, R, login).then(
        () => assert.fail('accepted'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof InvalidReplyError);
      assert.equal(err.what, 'login');
      assert.equal(err.queue, shardQueue(shardOf(A, R, 4)));
      assert.equal(err.error.code, 'internal');
      assert.ok(Object.keys(err.details).length > 0, 'says what is wrong');
      const notAReply = new ShardClient({ caller: fakeCaller(() => 'pong'), shardCount: 4 });
      await assert.rejects(notAReply.directory({ type: 'cluster_info' }), InvalidReplyError);
      const badDirectory = new ShardClient({ caller: fakeCaller(() => ({ ok: true, data: { shard_count: 'many' } })), shardCount: 4 });
      await assert.rejects(badDirectory.directory({ type: 'cluster_info' }), (e: unknown) => e instanceof InvalidReplyError && e.what === 'cluster_info');
    });

    it('an ok reply gives its data, node and seq', async () => {
      const client = new ShardClient({ caller: fakeCaller(() => ({ ok: true, data: READY, node: 'w1', seq: 12 })), shardCount: 4 });
      assert.deepEqual(await client.toRecipient(A, R, login), { data: READY, node: 'w1', seq: 12 });
    });
  });

  describe('failures of the caller', () => {
    const transportError = (kind: string) => Object.assign(new Error(kind), { name: 'TransportError', kind });

    it('a bus timeout is timeout, any other bus failure unavailable: both retryable, the bus error kept as cause', async () => {
      for (const [kind, code] of [
        ['timeout', 'timeout'],
        ['disconnected', 'unavailable'],
        ['unroutable', 'unavailable'],
        ['closed', 'unavailable'],
      ] as const) {
        const cause = transportError(kind);
        const client = new ShardClient({ caller: fakeCaller(() => cause), shardCount: 4 });
        await assert.rejects(client.toRecipient(A, R, login), (e: unknown) => e instanceof QubicleFailure && e.error.code === code && isRetryableFailure(e) && e.cause === cause);
      }
    });

    it('anything else (a bug) passes through unchanged', async () => {
      const boom = new TypeError('boom');
      await assert.rejects(new ShardClient({ caller: fakeCaller(() => boom), shardCount: 4 }).toRecipient(A, R, login), (e: unknown) => e === boom);
    });

    it('a call the bus never settles times out by itself', async () => {
      const client = new ShardClient({ caller: { call: () => new Promise(() => {}) }, shardCount: 4, timeoutMs: 20 });
      await assert.rejects(client.toRecipient(A, R, login), (e: unknown) => e instanceof QubicleFailure && e.error.code === 'timeout');
    });
  });

  it('onCall hears every attempt with its type, queue and failure', async () => {
    const calls: CallRecord[] = [];
    const caller = fakeCaller(cluster(8, () => READY));
    await new ShardClient({ caller, shardCount: 4, onCall: (c) => calls.push(c) }).toRecipient(A, R, login);
    assert.deepEqual(
      calls.map((c) => [c.type, c.error instanceof QubicleFailure ? c.error.error.code : c.error]),
      [
        ['login', 'shard_mismatch'],
        ['cluster_info', undefined],
        ['login', undefined],
      ],
    );
    assert.ok(calls.every((c) => c.durationMs >= 0));
  });

  it('an invalid message is refused before anything is sent', async () => {
    const caller = fakeCaller(() => ({ ok: true, data: READY }));
    const client = new ShardClient({ caller, shardCount: 4 });
    await assert.rejects(client.toRecipient(A, 'nope', (n) => ({ ...login(n), recipient_id: 'nope' })), (e: unknown) => e instanceof QubicleFailure && e.error.code === 'invalid_data');
    await assert.rejects(client.directory({ type: 'account_get', account_id: 'nope' }), (e: unknown) => e instanceof QubicleFailure && e.error.code === 'invalid_data');
    assert.equal(caller.sent.length, 0);
  });
});
