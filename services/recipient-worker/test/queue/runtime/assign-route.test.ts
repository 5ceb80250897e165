/**
 * The assign route's answer once the machine made an offer at once (queue-routes.ts): it waits for
 * the offer command's reply, as the actor applied it. Refused → `recipient_unavailable` with the
 * recipient's reason; accepted → done, offered; no reply in ASSIGN_REPLY_WAIT_MS → done (the
 * offer's deadline decides). The registry and actor are stand-ins: the worker path is in
 * queue-process.test.ts, HTTP in test/e2e/queues-process.test.ts.
 */
import assert from 'node:assert/strict';
import { okReply, type QueueMessage } from '@qubicle/contracts';
import type { OfferReplySeen } from '../../../src/queue/runtime/queue-actor.js';
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
} as QueueMessage;

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
