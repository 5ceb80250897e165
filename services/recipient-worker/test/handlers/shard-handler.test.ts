import assert from 'node:assert/strict';
import { NOT_LOGGED_IN_STATUS, SHARD_MESSAGE_TYPES, shardOf, shardQueue, type RecipientStatus, type RpcReply } from '@qubicle/contracts';
import { REQUEUE, type IncomingMessage } from '@qubicle/transport';
import { SHARD_ROUTES, createShardHandler, type ShardHandlerDeps } from '../../src/handlers/shard-handler.js';
import { SHARDS, actorHarness } from '../support/actor-harness.js';
import { StoreError } from '../../src/store/port.js';
import { heldGate } from '../support/gate.js';
import { ACCOUNT, NODE, OTHER, RECIPIENT, cmd } from '../support/machine-fixtures.js';

/** The queue a correct sender uses: the shard of the (first) recipient named; shard 0 for a body without one. */
function queueOf(body: unknown): string {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { account_id?: unknown; recipient_id?: unknown; recipient_ids?: unknown };
  const id = typeof b.recipient_id === 'string' ? b.recipient_id : Array.isArray(b.recipient_ids) && typeof b.recipient_ids[0] === 'string' ? b.recipient_ids[0] : undefined;
  return shardQueue(typeof b.account_id === 'string' && id !== undefined ? shardOf(b.account_id, id, SHARDS) : 0);
}

/** An RPC (it has a replyTo); fire-and-forget messages are tested in dead-letter.test.ts. */
function incoming(body: unknown, over: Partial<IncomingMessage> = {}): IncomingMessage {
  return { body, redelivered: false, headers: {}, routingKey: queueOf(body), correlationId: 'corr-1', replyTo: 'amq.rabbitmq.reply-to', ...over };
}

/** A recipient id of ACCOUNT whose shard is (or is not) `shard`. */
function idOnShard(pred: (shard: number) => boolean, skip: string[] = []): string {
  for (let i = 0; i < 10_000; i++) {
    const id = `e${i.toString(16).padStart(31, '0')}`;
    if (!skip.includes(id) && pred(shardOf(ACCOUNT, id, SHARDS))) return id;
  }
  throw new Error('no id found');
}

function setup(over: Partial<ShardHandlerDeps> = {}) {
  const h = actorHarness();
  const calls: Array<{ queue: string; body: unknown }> = [];
  let remoteReply: unknown = { ok: true, data: { ...NOT_LOGGED_IN_STATUS } };
  const g = heldGate({ clock: h.clock, shardCount: SHARDS });
  const deps: ShardHandlerDeps = {
    registry: h.registry,
    gate: g.gate,
    store: h.store,
    bus: {
      call: async (queue, body) => {
        calls.push({ queue, body });
        if (remoteReply instanceof Error) throw remoteReply;
        return remoteReply;
      },
    },
    logger: h.logger,
    node: NODE,
    shardCount: SHARDS,
    ...over,
  };
  const handle = createShardHandler(deps);
  const send = async (body: unknown, msg: Partial<IncomingMessage> = {}) => (await handle(incoming(body, msg))) as RpcReply<unknown>;
  /** what the handler returned, REQUEUE included */
  const handleRaw = (body: unknown, msg: Partial<IncomingMessage> = {}) => handle(incoming(body, msg));
  const command = <C extends Parameters<typeof cmd>[0]>(body: C, recipient = RECIPIENT) => ({ ...cmd(body, { recipient_id: recipient }), shard_count: SHARDS });
  return {
    h,
    deps,
    send,
    command,
    calls,
    g,
    handleRaw,
    setRemoteReply: (r: unknown) => {
      remoteReply = r;
    },
  };
}

const codeOf = (r: RpcReply<unknown>) => (r.ok ? 'ok' : r.error.code);

describe('handlers: shard handler', () => {
  it('has a route for every shard message type', () => {
    assert.deepEqual(Object.keys(SHARD_ROUTES).sort(), [...SHARD_MESSAGE_TYPES].sort());
  });

  it('an invalid message → invalid_message naming the field, logged with its correlation id', async () => {
    const t = setup();
    const r = await t.send({ type: 'login', command_id: 'short', account_id: ACCOUNT }, { correlationId: 'corr-xyz' });
    assert.equal(codeOf(r), 'invalid_message');
    assert.equal(r.node, NODE);
    assert.match(!r.ok ? r.error.message : '', /recipient_id/);
    assert.ok(t.h.logger.entries.some((e) => e.level === 'warn' && (e.obj as { correlationId?: string }).correlationId === 'corr-xyz'));
    assert.equal(codeOf(await t.send('not even an object')), 'invalid_message');
    assert.equal(codeOf(await t.send({ type: 'launch_rockets' })), 'invalid_message');
  });

  it('a message routed with another shard count → shard_mismatch', async () => {
    const t = setup();
    const r = await t.send({ ...t.command({ type: 'login' }), shard_count: 64 });
    assert.deepEqual(r, {
      ok: false,
      node: NODE,
      error: { code: 'shard_mismatch', message: `message routed with 64 shards, this cluster has ${SHARDS}`, expected: SHARDS, got: 64 },
    });
    assert.equal(t.h.store.writes.length, 0);
  });

  it('from the queue of a shard this node does not hold → requeued for its owner, nothing done', async () => {
    const t = setup();
    t.g.release(t.h.shard);
    assert.equal(await t.handleRaw(t.command({ type: 'login' })), REQUEUE);
    assert.equal(t.h.store.writes.length, 0);
    assert.equal(t.h.registry.size, 0, 'no actor created');
  });

  it('a recipient of another shard than the queue it came from → misrouted (not retryable), nothing done, even when that shard is held here too', async () => {
    const t = setup();
    const wrong = shardQueue((t.h.shard + 1) % SHARDS);
    const r = await t.send(t.command({ type: 'login' }), { routingKey: wrong });
    assert.equal(codeOf(r), 'misrouted');
    assert.match(!r.ok ? r.error.message : '', new RegExp(`belongs to shard ${t.h.shard}, not to shard ${(t.h.shard + 1) % SHARDS}`));
    assert.equal(t.h.store.writes.length, 0);
    assert.equal(t.h.registry.size, 0, 'no actor created');
    assert.ok(t.h.logger.entries.some((e) => e.level === 'warn' && e.msg === 'misrouted shard message'));
  });

  it('not from a shard queue → misrouted', async () => {
    const t = setup();
    const r = await t.send(t.command({ type: 'login' }), { routingKey: 'qubicle.directory' });
    assert.equal(codeOf(r), 'misrouted');
    assert.equal(t.h.store.writes.length, 0);
  });

  it('the command is written under the fence it was admitted with; fenced by the store (the shard lost meanwhile) → requeued for the new owner', async () => {
    const t = setup();
    await t.send(t.command({ type: 'login' }));
    // the gate admits under epoch 1; the actor does not ask again (its own fence source is empty)
    t.h.fences.clear();
    const writes = t.h.store.writes.length;
    assert.equal(codeOf(await t.send(t.command({ type: 'set_status', status: 'ready' }))), 'ok');
    assert.equal(t.h.store.writes.length, writes + 1, 'written');
    // the store refuses the next write (another node claimed the shard): the lease book marks it lost
    t.h.env.onFenced = (shard) => t.g.lose(shard);
    t.h.store.failNext('saveRecipients', new StoreError('fenced', `shard ${t.h.shard} fenced`));
    assert.equal(await t.handleRaw(t.command({ type: 'set_status', status: 'away' })), REQUEUE);
    assert.equal(t.h.registry.peek(ACCOUNT, RECIPIENT)?.state?.availability_state ?? 'dropped', 'Ready', 'nothing applied');
  });

  it('routes commands to the recipient actor; replies name the node', async () => {
    const t = setup();
    const login = await t.send(t.command({ type: 'login' }));
    assert.equal(codeOf(login), 'ok');
    assert.equal(login.node, NODE);
    const status = await t.send(t.command({ type: 'get_status' }));
    assert.equal(status.ok && (status.data as RecipientStatus).availability_state, 'Away');
    assert.equal(status.ok && (status.data as RecipientStatus).node, NODE);
    assert.equal(codeOf(await t.send(t.command({ type: 'wrapup_extend' }))), 'invalid_transition');
  });

  it('get_status_many answers each id: a status, or "not_logged_in"', async () => {
    const t = setup();
    // ids of RECIPIENT's shard (a correct sender asks one shard per request): a user not logged in, an unknown id
    const other = idOnShard((s) => s === t.h.shard, [RECIPIENT]);
    t.h.store.addUser(ACCOUNT, other);
    const unknown = idOnShard((s) => s === t.h.shard, [RECIPIENT, other]);
    await t.send(t.command({ type: 'login' }));
    const r = await t.send({ type: 'get_status_many', command_id: 'many-00001', account_id: ACCOUNT, recipient_ids: [RECIPIENT, other, unknown], shard_count: SHARDS });
    assert.equal(codeOf(r), 'ok');
    const data = r.ok ? (r.data as Record<string, RecipientStatus | string>) : {};
    assert.equal((data[RECIPIENT] as RecipientStatus).availability_state, 'Away');
    assert.equal(data[other], 'not_logged_in');
    assert.equal(data[unknown], 'not_logged_in');
    assert.equal(t.h.registry.size, 1, 'no actors created for the read');
    // each logged-in status with its seq (what the gateway's read model refreshes from)
    assert.deepEqual(r.ok && r.seqs, { [RECIPIENT]: t.h.registry.peek(ACCOUNT, RECIPIENT)!.state!.seq });
  });

  it('get_status_many with an id of another shard → misrouted (the sender groups ids by shard)', async () => {
    const t = setup();
    const foreign = idOnShard((s) => s !== t.h.shard);
    const r = await t.send({ type: 'get_status_many', command_id: 'many-00002', account_id: ACCOUNT, recipient_ids: [RECIPIENT, foreign], shard_count: SHARDS });
    assert.equal(codeOf(r), 'misrouted');
    assert.match(!r.ok ? r.error.message : '', new RegExp(foreign));
  });

  it('a message with the right shard count on a shard queue that does not serve its recipient → misrouted, nothing done', async () => {
    const t = setup();
    const elsewhere = shardQueue((t.h.shard + 1) % SHARDS); // held by this node too: ownership is not the question
    const r = await t.send(t.command({ type: 'login' }), { routingKey: elsewhere });
    assert.equal(codeOf(r), 'misrouted');
    assert.equal(t.h.store.writes.length, 0);
    assert.equal(t.h.registry.size, 0, 'no actor started for it');
    const foreign = idOnShard((s) => s !== t.h.shard);
    const many = await t.send({ type: 'get_status_many', command_id: 'many-00003', account_id: ACCOUNT, recipient_ids: [RECIPIENT, foreign], shard_count: SHARDS });
    assert.equal(codeOf(many), 'misrouted', 'one id of another shard is enough');
  });

  describe('monitor', () => {
    const monitorCmd = (t: ReturnType<typeof setup>, target: string, mode = 'whisper') => ({ ...t.command({ type: 'monitor', target_id: target, mode: mode as 'whisper' }) });

    it('local target logged in + permission + Pro → wiretapping', async () => {
      const t = setup();
      t.h.store.addUser(ACCOUNT, RECIPIENT, { qubicle: { enabled: true, permissions: { monitor: true } } });
      await t.send(t.command({ type: 'login' }));
      await t.send(t.command({ type: 'login' }, OTHER));
      const r = await t.send(monitorCmd(t, OTHER));
      assert.equal(codeOf(r), 'ok', JSON.stringify(r));
      assert.equal(r.ok && (r.data as RecipientStatus).wiretapping_recipient, OTHER);
      assert.deepEqual(t.calls, [], 'no bus round trip for a local target');
    });

    it('without the permission → forbidden', async () => {
      const t = setup();
      await t.send(t.command({ type: 'login' }));
      const r = await t.send(monitorCmd(t, OTHER));
      assert.equal(codeOf(r), 'forbidden');
    });

    it('target not logged in → not_logged_in; target not a recipient of the account → not_found', async () => {
      const t = setup();
      t.h.store.addUser(ACCOUNT, RECIPIENT, { qubicle: { enabled: true, permissions: { monitor: true } } });
      await t.send(t.command({ type: 'login' }));
      assert.equal(codeOf(await t.send(monitorCmd(t, OTHER))), 'not_logged_in');
      assert.equal(codeOf(await t.send(monitorCmd(t, 'b00000000000000000000000000000ff'))), 'not_found');
    });

    it('a target on a shard held elsewhere is asked over the bus', async () => {
      const t = setup();
      t.h.store.addUser(ACCOUNT, RECIPIENT, { qubicle: { enabled: true, permissions: { monitor: true } } });
      const remote = idOnShard((s) => s !== t.h.shard, [RECIPIENT, OTHER]);
      const remoteShard = shardOf(ACCOUNT, remote, SHARDS);
      t.h.store.addUser(ACCOUNT, remote);
      t.g.release(remoteShard);
      await t.send(t.command({ type: 'login' }));
      t.setRemoteReply({ ok: true, node: 'other-node', data: { available: true, availability_state: 'Ready', queue_availability: {}, wrapup_time_seconds: 0, stats: { total_calls: 0, missed_calls: 0, avg_call_time: 0, login_time: 1, last_action_time: 1, last_handled_time: 0 }, node: 'other-node' } });
      const r = await t.send(monitorCmd(t, remote, 'barge'));
      assert.equal(codeOf(r), 'ok', JSON.stringify(r));
      assert.equal(t.calls.length, 1);
      assert.equal(t.calls[0]!.queue, shardQueue(remoteShard));
      assert.deepEqual({ ...(t.calls[0]!.body as object), command_id: 'x' }, { type: 'get_status', command_id: 'x', account_id: ACCOUNT, recipient_id: remote, shard_count: SHARDS });
    });

    it('the remote status call failing → unavailable, the acting recipient unchanged', async () => {
      const t = setup();
      t.h.store.addUser(ACCOUNT, RECIPIENT, { qubicle: { enabled: true, permissions: { monitor: true } } });
      const remote = idOnShard((s) => s !== t.h.shard, [RECIPIENT, OTHER]);
      t.h.store.addUser(ACCOUNT, remote);
      t.g.release(shardOf(ACCOUNT, remote, SHARDS));
      await t.send(t.command({ type: 'login' }));
      const before = structuredClone(t.h.registry.peek(ACCOUNT, RECIPIENT)!.state);
      t.setRemoteReply(new Error('timeout'));
      const r = await t.send(monitorCmd(t, remote));
      assert.equal(codeOf(r), 'unavailable');
      assert.deepEqual(t.h.registry.peek(ACCOUNT, RECIPIENT)!.state, before);
    });
  });
});
