/**
 * The queue actor's batches: the inputs that arrive while a write is in flight are applied
 * together, in order, in ONE fenced store write with all their events; none is answered before
 * that write committed; a failed write fails every input of its batch and changes nothing.
 */
import assert from 'node:assert/strict';
import type { QueueEvent, RpcReply } from '@qubicle/contracts';
import { ManualClock } from '../../../src/clock.js';
import { QueueActor, type QueueActorEnv } from '../../../src/queue/runtime/queue-actor.js';
import type { QueueInput } from '../../../src/queue/machine/types.js';
import type { QueueWrite } from '../../../src/store/ports/queues-runtime.js';
import { captureLogger } from '../../support/logger.js';
import { ACCOUNT, QUEUE, R, settings } from '../support/queue-fixtures.js';

const FENCE = { shard: 1, epoch: 3, node: 'node-a' };

function deferred(): { promise: Promise<void>; resolve(): void; reject(err: Error): void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function setup() {
  const writes: Array<{ write: QueueWrite; done: ReturnType<typeof deferred> }> = [];
  const published: QueueEvent[][] = [];
  let ids = 0;
  const env = {
    store: {
      loadQueue: async () => null,
      saveQueue: (write: QueueWrite) => {
        const done = deferred();
        writes.push({ write, done });
        return done.promise;
      },
    },
    clock: new ManualClock(),
    logger: captureLogger(),
    node: 'node-a',
    fenceOf: () => FENCE,
    onFenced: () => undefined,
    publish: async (_shard: number, events: QueueEvent[]) => void published.push(events),
    recipients: { offer: async () => ({ accepted: true }), withdraw: async () => undefined, setAway: async () => undefined, statusOf: async () => { throw new Error('not used'); } },
    sessions: { delivered: async () => undefined, ended: async () => undefined, redirected: async () => undefined },
    newId: () => `id-${++ids}`,
  } as unknown as QueueActorEnv;
  const actor = new QueueActor(env, { accountId: ACCOUNT, queueId: QUEUE, shard: 1 });
  const join = (n: number): QueueInput => ({ type: 'join', input_id: `join-${n}`, session_id: `s${n}`, call_id: `call-${n}`, caller_id_name: 'C', caller_id_number: '1', priority: 0 });
  const start: QueueInput = { type: 'start', input_id: 'start', account_id: ACCOUNT, queue_id: QUEUE, settings: settings(), members: [R(1)] };
  /** resolves once the store was asked for its `n`th write */
  const writeNo = async (n: number) => {
    for (let i = 0; i < 1000 && writes.length < n; i++) await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, n, `write ${n} asked`);
    return writes[n - 1]!;
  };
  return { actor, writes, published, join, start, writeNo };
}

describe('queue actor: one write per batch of inputs', () => {
  it('inputs arriving during a write go together in the next one, in order, answered only after it committed', async () => {
    const t = setup();
    const started = t.actor.send(t.start);
    const first = await t.writeNo(1);
    const replies: Array<RpcReply<unknown> | undefined> = [undefined, undefined, undefined];
    const joins = [1, 2, 3].map((n, i) => t.actor.send(t.join(n)).then((r) => (replies[i] = r)));
    first.done.resolve();
    assert.equal((await started).ok, true);
    const second = await t.writeNo(2);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(replies, [undefined, undefined, undefined], 'nobody answered before the write committed');
    assert.deepEqual(second.write.state.sessions.map((s) => s.session_id), ['s1', 's2', 's3']);
    assert.equal(second.write.events.filter((e) => e.event === 'join').length, 3, 'all three joins recorded with the write');
    assert.deepEqual(second.write.changes?.sessions.put.map((s) => s.session_id), ['s1', 's2', 's3'], 'the rows of the three callers, nothing else');
    second.done.resolve();
    await Promise.all(joins);
    assert.deepEqual(replies.map((r) => (r as unknown as { data: { position: number } }).data.position), [1, 2, 3]);
    assert.equal(t.writes.length, 2);
    const seqs = t.published.flat().map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'events published in order');
  });

  it('a failed write fails every input of its batch and changes nothing', async () => {
    const t = setup();
    const started = t.actor.send(t.start);
    (await t.writeNo(1)).done.resolve();
    await started;
    const blocker = t.actor.send(t.join(1));
    const held = await t.writeNo(2);
    const failing = [2, 3].map((n) => t.actor.send(t.join(n)));
    held.done.resolve();
    await blocker;
    (await t.writeNo(3)).done.reject(new Error('disk gone'));
    for (const r of await Promise.all(failing)) assert.equal(!r.ok && r.error.code, 'unavailable');
    const after = t.actor.send(t.join(4));
    const next = await t.writeNo(4);
    assert.deepEqual(next.write.state.sessions.map((s) => s.session_id), ['s1', 's4'], 'the failed batch left nothing behind');
    next.done.resolve();
    assert.equal((await after).ok, true);
  });
});
