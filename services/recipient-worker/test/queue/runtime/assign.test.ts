/**
 * An assignment offered at once: the route's answer (queue-routes.ts) waits for the offer command's
 * reply as the actor applied it (refused → `recipient_unavailable` with the recipient's reason;
 * accepted → done, offered; none → done, the offer's deadline decides), and the actor keeps that
 * reply for pinned offers only, handed out once. A free member and a waiting caller never coexist
 * through the worker (the queue routes at once), so the route gets a stand-in registry and the
 * actor a state built by hand; the worker path is in queue-process.test.ts, HTTP in
 * test/e2e/queues-process.test.ts.
 */
import assert from 'node:assert/strict';
import { okReply, type QueueMessage } from '@qubicle/contracts';
import { ManualClock } from '../../../src/clock.js';
import { QueueActor, type OfferReplySeen, type QueueActorEnv } from '../../../src/queue/runtime/queue-actor.js';
import type { QueueRuntimeStore } from '../../../src/store/ports/queues-runtime.js';
import { captureLogger } from '../../support/logger.js';
import { settings } from '../support/queue-fixtures.js';
import type { QueueRegistry } from '../../../src/queue/runtime/queue-registry.js';
import { routeQueueMessage } from '../../../src/queue/runtime/queue-routes.js';
import { ACCOUNT, RECIPIENT } from '../../support/machine-fixtures.js';

const Q = 'c0000000000000000000000000000009';
const FENCE = { shard: 1, epoch: 3, node: 'node-a' };

function registry(reply: Promise<OfferReplySeen> | undefined) {
  const inputs: unknown[] = [];
  const queues = {
    ensureStarted: async () => ({ started: false }),
    dispatch: async (_a: string, _q: string, input: unknown) => {
      inputs.push(input);
      return okReply({ assigned: true, recipient_id: RECIPIENT, offer_id: 'offer-1' }, 'node-a');
    },
    peek: () => ({ pinnedOfferReply: (id: string) => (id === 'offer-1' ? reply : undefined) }),
  } as unknown as QueueRegistry;
  return { queues, inputs };
}

const msg = {
  type: 'queue_session_action',
  command_id: 'cmd-00000001',
  account_id: ACCOUNT,
  shard_count: 4,
  queue_id: Q,
  session_id: 's1',
  action: 'assign',
  recipient_id: RECIPIENT,
  by: { user_id: 'd0000000000000000000000000000001' },
} as Extract<QueueMessage, { type: 'queue_session_action' }>;

describe('queue routes: assign waits for the offer’s reply', () => {
  it('refused by the recipient → done: false, recipient_unavailable, offer_refusal', async () => {
    const { queues, inputs } = registry(Promise.resolve({ accepted: false, reason: 'busy' }));
    const r = await routeQueueMessage(msg, { queues, node: 'node-a' }, FENCE);
    assert.deepEqual(r.ok && r.data, { queue_id: Q, session_id: 's1', action: 'assign', done: false, reason: 'recipient_unavailable', offer_refusal: 'busy' });
    assert.deepEqual(inputs, [{ type: 'assign', input_id: 'cmd-00000001', session_id: 's1', recipient_id: RECIPIENT, by: 'd0000000000000000000000000000001' }]);
  });

  it('accepted → done, offered', async () => {
    const { queues } = registry(Promise.resolve({ accepted: true }));
    const r = await routeQueueMessage(msg, { queues, node: 'node-a' }, FENCE);
    assert.deepEqual(r.ok && r.data, { queue_id: Q, session_id: 's1', action: 'assign', done: true, recipient_id: RECIPIENT, offered: true });
  });

  it('no reply (the offer RPC failed, or the actor moved) → done, offered: the deadline decides', async () => {
    for (const reply of [Promise.resolve(null), undefined]) {
      const { queues } = registry(reply);
      const r = await routeQueueMessage(msg, { queues, node: 'node-a' }, FENCE);
      assert.deepEqual(r.ok && r.data, { queue_id: Q, session_id: 's1', action: 'assign', done: true, recipient_id: RECIPIENT, offered: true });
    }
  });
});

describe('queue actor: a supervisor’s offer and its reply', () => {
  function actor(offerReply: { accepted: boolean; reason?: string }) {
    // the actor writes before it answers; nothing here reads it back
    const store = {
      loadQueue: async () => null,
      saveQueue: async () => undefined,
      deleteQueue: async () => undefined,
    } as unknown as QueueRuntimeStore;
    const offers: string[] = [];
    let ids = 0;
    const env: QueueActorEnv = {
      store,
      clock: new ManualClock(),
      logger: captureLogger(),
      node: 'node-a',
      fenceOf: () => FENCE,
      onFenced: () => undefined,
      publish: async () => undefined,
      recipients: {
        offer: async (e) => {
          offers.push(e.offer_id);
          return offerReply;
        },
        withdraw: async () => true,
        setAway: async () => undefined,
        statusOf: async () => ({ status: { available: false, availability_state: 'Not-Logged-In' }, seq: 0 }),
      },
      sessions: { delivered: async () => undefined, ended: async () => undefined, redirected: async () => undefined },
      newId: () => `offer-${++ids}`,
    };
    return { a: new QueueActor(env, { accountId: ACCOUNT, queueId: Q, shard: FENCE.shard }), offers };
  }

  /** A waiting caller and a free member (built by hand: the worker would have routed it already). */
  async function freeMemberAndCaller(a: QueueActor): Promise<void> {
    await a.send({ type: 'start', input_id: 'in-1', account_id: ACCOUNT, queue_id: Q, settings: settings(), members: [RECIPIENT] }, FENCE);
    await a.send({ type: 'join', input_id: 'in-2', session_id: 's1', call_id: 'c1', caller_id_name: 'C', caller_id_number: '1', priority: 0 }, FENCE);
    const s = structuredClone(a.state!);
    Object.assign(s.members[0]!, { availability_state: 'Ready', seq: 5 });
    a.adopt(s, FENCE);
  }

  it('refused: the reply is handed to the route once, after the queue applied it (the caller waits again)', async () => {
    const { a, offers } = actor({ accepted: false, reason: 'busy' });
    await freeMemberAndCaller(a);
    const r = await a.send({ type: 'assign', input_id: 'in-3', session_id: 's1', recipient_id: RECIPIENT }, FENCE);
    const data = (r as { data: { assigned: boolean; offer_id: string } }).data;
    assert.equal(data.assigned, true);
    const reply = a.pinnedOfferReply(data.offer_id);
    assert.ok(reply, 'kept for the route');
    assert.deepEqual(await reply, { accepted: false, reason: 'busy' });
    assert.deepEqual(offers, [data.offer_id]);
    assert.equal(a.state!.sessions[0]!.offer, null, 'the refusal was applied before the reply was handed out');
    assert.equal(a.pinnedOfferReply(data.offer_id), undefined, 'taken once');
  });

  it('a router’s offer is not kept', async () => {
    const { a, offers } = actor({ accepted: true });
    await a.send({ type: 'start', input_id: 'in-1', account_id: ACCOUNT, queue_id: Q, settings: settings(), members: [RECIPIENT] }, FENCE);
    await a.send({ type: 'join', input_id: 'in-2', session_id: 's1', call_id: 'c1', caller_id_name: 'C', caller_id_number: '1', priority: 0 }, FENCE);
    await a.send({ type: 'member_status', recipient_id: RECIPIENT, seq: 5, status: { available: true, availability_state: 'Ready', queue_availability: {}, wrapup_time_seconds: 0, node: 'n' } as never }, FENCE);
    await a.idle();
    const offer = a.state!.sessions[0]!.offer;
    assert.ok(offer && !offer.pinned, 'the router offered it');
    assert.equal(a.pinnedOfferReply(offer.offer_id), undefined);
    assert.deepEqual(offers, [offer.offer_id]);
  });
});
