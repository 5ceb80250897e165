import { strict as assert } from 'node:assert';
import { DIRECTORY_QUEUE, QubicleFailure, shardOf, shardQueue, validateShardMessage } from '@qubicle/contracts';
import { InvalidReplyError, RecipientBusClient, type RpcCaller } from '@qubicle/client';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const R = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const R2 = 'cccccccccccccccccccccccccccccccc';
const Q = 'dddddddddddddddddddddddddddddddd';
const STATS = { total_calls: 0, missed_calls: 0, avg_call_time: 0, login_time: 1, last_action_time: 1, last_handled_time: 0 };
const STATUS = { available: false, availability_state: 'Away', queue_availability: {}, wrapup_time_seconds: 0, stats: STATS, node: 'n' };

interface Sent {
  queue: string;
  body: any;
  opts: { timeoutMs: number; requestId?: string };
}

function fakeCaller(answer: (sent: Sent) => unknown): RpcCaller & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    async call(queue, body, opts) {
      const s = { queue, body: JSON.parse(JSON.stringify(body)), opts };
      sent.push(s);
      const reply = answer(s);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  };
}

async function failure(p: Promise<unknown>): Promise<QubicleFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof QubicleFailure, `expected a QubicleFailure, got ${String(err)}`);
    return err;
  }
  throw new Error('expected a failure');
}

describe('client: RecipientBusClient', () => {
  it('sends a valid command to the recipient shard queue, with the timeout, request id and service', async () => {
    const caller = fakeCaller(() => ({ ok: true, data: STATUS, node: 'n' }));
    const client = new RecipientBusClient({ caller, shardCount: 16, timeoutMs: 1234, service: 'acd', newCommandId: () => 'command-0000000001' });
    const status = await client.login(A, R, { requestId: 'req-1' });
    assert.deepEqual(status, STATUS);
    const [s] = caller.sent;
    assert.equal(s!.queue, shardQueue(shardOf(A, R, 16)));
    assert.deepEqual(s!.opts, { timeoutMs: 1234, requestId: 'req-1' });
    assert.deepEqual(s!.body, { type: 'login', command_id: 'command-0000000001', account_id: A, recipient_id: R, shard_count: 16, by: { service: 'acd' } });
    assert.equal(validateShardMessage(s!.body).ok, true);
  });

  it('every method builds its contract message', async () => {
    const caller = fakeCaller((s) => ({ ok: true, data: s.body.type === 'offer' ? { accepted: true } : STATUS }));
    const client = new RecipientBusClient({ caller, shardCount: 4 });
    const call = { queue_id: Q, session_id: 's1', caller_id_name: 'n', caller_id_number: '1', queue_enter_time: 1 };
    assert.deepEqual(await client.offer(A, R, { call, offer_timeout_seconds: 20, wrapup_seconds: 5 }), { accepted: true });
    await client.answer(A, R, 's1');
    await client.reject(A, R, 's1');
    await client.withdraw(A, R, 's1', { reason: 'caller_hangup' });
    await client.hangup(A, R, 's1');
    await client.wrapupExtend(A, R);
    await client.wrapupCancel(A, R);
    await client.monitor(A, R, R2, 'barge');
    await client.monitorStop(A, R);
    await client.setStatus(A, R, 'away', { queueId: Q });
    await client.logout(A, R, { reason: 'bye' });
    await client.status(A, R);
    const types = caller.sent.map((s) => s.body.type);
    assert.deepEqual(types, ['offer', 'answer', 'reject', 'withdraw', 'hangup', 'wrapup_extend', 'wrapup_cancel', 'monitor', 'monitor_stop', 'set_status', 'logout', 'get_status']);
    for (const s of caller.sent) assert.equal(validateShardMessage(s.body).ok, true, s.body.type);
    assert.equal(caller.sent[3]!.body.reason, 'caller_hangup');
    assert.deepEqual([caller.sent[7]!.body.target_id, caller.sent[7]!.body.mode], [R2, 'barge']);
    assert.deepEqual([caller.sent[9]!.body.status, caller.sent[9]!.body.queue_id], ['away', Q]);
    assert.equal(caller.sent[10]!.body.reason, 'bye');
    assert.equal(new Set(caller.sent.map((s) => s.body.command_id)).size, caller.sent.length, 'a fresh command id each');
  });

  it('an error reply is thrown as QubicleFailure with the worker error', async () => {
    const error = { code: 'invalid_transition', message: 'answer refused in Ready', state: 'Ready', command: 'answer' };
    const client = new RecipientBusClient({ caller: fakeCaller(() => ({ ok: false, error, node: 'n' })), shardCount: 4 });
    const f = await failure(client.answer(A, R, 's'));
    assert.deepEqual(f.error, error);
  });

  it('an invalid reply is an internal failure; a caller failure passes through unchanged', async () => {
    const bad = new RecipientBusClient({ caller: fakeCaller(() => ({ nonsense: true })), shardCount: 4 });
    assert.equal((await failure(bad.status(A, R))).error.code, 'internal');
    const wrongShape = new RecipientBusClient({ caller: fakeCaller(() => ({ ok: true, data: 42 })), shardCount: 4 });
    const invalid = await failure(wrongShape.status(A, R));
    assert.equal(invalid.error.code, 'internal');
    assert.ok(invalid instanceof InvalidReplyError && invalid.what === 'get_status', 'a typed error naming the message');
    const boom = new Error('timeout');
    const broken = new RecipientBusClient({ caller: fakeCaller(() => boom), shardCount: 4 });
    await assert.rejects(broken.login(A, R), (err) => err === boom);
  });

  it('an invalid command is refused locally (invalid_data) and nothing is sent', async () => {
    const caller = fakeCaller(() => ({ ok: true, data: STATUS }));
    const client = new RecipientBusClient({ caller, shardCount: 4 });
    const f = await failure(client.login(A, 'not-a-kazoo-id'));
    assert.equal(f.error.code, 'invalid_data');
    await failure(client.monitor(A, R, R2, 'shout' as never));
    assert.equal(caller.sent.length, 0);
  });

  it('learns the shard count once from the directory when not given', async () => {
    const caller = fakeCaller((s) => (s.queue === DIRECTORY_QUEUE ? { ok: true, data: { shard_count: 32 } } : { ok: true, data: STATUS }));
    const client = new RecipientBusClient({ caller });
    await Promise.all([client.status(A, R), client.status(A, R2)]);
    assert.equal(caller.sent.filter((s) => s.queue === DIRECTORY_QUEUE).length, 1);
    assert.deepEqual(caller.sent.filter((s) => s.queue !== DIRECTORY_QUEUE).map((s) => s.queue).sort(), [shardQueue(shardOf(A, R, 32)), shardQueue(shardOf(A, R2, 32))].sort());
    assert.equal(await client.shardCount(), 32);
  });

  it("on shard_mismatch re-sends the same command once with the cluster's count", async () => {
    const caller = fakeCaller((s) =>
      s.queue === DIRECTORY_QUEUE
        ? { ok: true, data: { shard_count: 8 } }
        : s.body.shard_count === 8
          ? { ok: true, data: STATUS }
          : { ok: false, error: { code: 'shard_mismatch', message: 'm', expected: 8, got: s.body.shard_count } },
    );
    const client = new RecipientBusClient({ caller, shardCount: 4 });
    await client.logout(A, R);
    const commands = caller.sent.filter((s) => s.queue !== DIRECTORY_QUEUE);
    assert.equal(commands.length, 2);
    assert.equal(commands[1]!.body.command_id, commands[0]!.body.command_id);
    assert.equal(commands[1]!.queue, shardQueue(shardOf(A, R, 8)));
    assert.equal(await client.shardCount(), 8);
  });

  it('a given command id is used (safe retries)', async () => {
    const caller = fakeCaller(() => ({ ok: true, data: STATUS }));
    const client = new RecipientBusClient({ caller, shardCount: 4 });
    await client.hangup(A, R, 's', { commandId: 'retry-me-000001' });
    await client.hangup(A, R, 's', { commandId: 'retry-me-000001' });
    assert.deepEqual(caller.sent.map((s) => s.body.command_id), ['retry-me-000001', 'retry-me-000001']);
  });

  it('statusMany: one get_status_many per shard; keys in the order asked; absent or Not-Logged-In → "not_logged_in"', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => i.toString(16).padStart(32, 'e'));
    const caller = fakeCaller((s) => {
      const data: Record<string, unknown> = {};
      for (const id of s.body.recipient_ids as string[]) {
        if (id.endsWith('0')) continue; // missing from the reply
        data[id] = id.endsWith('1') ? 'not_logged_in' : id.endsWith('2') ? { available: false, availability_state: 'Not-Logged-In' } : STATUS;
      }
      return { ok: true, data };
    });
    const client = new RecipientBusClient({ caller, shardCount: 4 });
    const out = await client.statusMany(A, ids);
    const shards = new Set(ids.map((id) => shardOf(A, id, 4)));
    assert.equal(caller.sent.length, shards.size);
    for (const s of caller.sent) {
      assert.equal(s.body.type, 'get_status_many');
      assert.ok((s.body.recipient_ids as string[]).every((id) => s.queue === shardQueue(shardOf(A, id, 4))));
      assert.equal(validateShardMessage(s.body).ok, true);
    }
    assert.deepEqual(Object.keys(out), ids);
    assert.equal(out[ids[0]!], 'not_logged_in');
    assert.equal(out[ids[1]!], 'not_logged_in');
    assert.equal(out[ids[2]!], 'not_logged_in');
    assert.equal((out[ids[3]!] as { availability_state: string }).availability_state, 'Away');
    assert.deepEqual(await client.statusMany(A, []), {});
  });

  it('directory requests are validated and answered with their data', async () => {
    const caller = fakeCaller(() => ({ ok: true, data: [{ id: R, name: 'X' }] }));
    const client = new RecipientBusClient({ caller, shardCount: 4 });
    assert.deepEqual(await client.directory({ type: 'recipient_list', account_id: A }), [{ id: R, name: 'X' }]);
    assert.equal(caller.sent[0]!.queue, DIRECTORY_QUEUE);
    await failure(client.directory({ type: 'recipient_list', account_id: 'nope' }));
    assert.equal(caller.sent.length, 1);
  });
});
