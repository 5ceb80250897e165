/**
 * End to end on the broker: a command with the right shard count on a shard queue that does not
 * serve its recipient (a sender's routing bug) is answered `misrouted` at once, a code no client
 * retries (it used to be `unavailable`, which clients retry: a routing bug then retried for ever).
 */
import { strict as assert } from 'node:assert';
import { isRetryable, newKazooId, QubicleFailure, shardOf, shardQueue, type RpcReply } from '@qubicle/contracts';
import { RecipientBusClient, type RpcCaller } from '@qubicle/client';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

describe('e2e: a misrouted command', function () {
  this.timeout(30_000);
  let sys: System;
  let t: Tenant;
  let recipient: string;
  /** a shard queue that is not the recipient's */
  let wrongQueue: string;

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'misrouted');
    recipient = await t.addRecipient({ first_name: 'Miss', last_name: 'Routed' });
    wrongQueue = shardQueue((shardOf(t.accountId, recipient, sys.shardCount) + 1) % sys.shardCount);
  });

  it('published to another shard queue, it is answered misrouted and changes nothing', async () => {
    const body = { type: 'login', command_id: newKazooId(), account_id: t.accountId, recipient_id: recipient, shard_count: sys.shardCount };
    const reply = (await sys.serviceBus.call(wrongQueue, body, { timeoutMs: 5_000 })) as RpcReply<unknown>;
    assert.equal(reply.ok, false);
    assert.equal(!reply.ok && reply.error.code, 'misrouted');
    assert.equal(isRetryable('misrouted'), false);
    const client = new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, timeoutMs: 5_000, service: 'e2e-misrouted' });
    assert.equal((await client.status(t.accountId, recipient)).availability_state, 'Not-Logged-In', 'the login did not run');
  });

  it('a client with a routing bug gets the failure after ONE call: no retry', async () => {
    let calls = 0;
    // every shard command goes to the wrong queue, as a sender with a broken shard hash would send it
    const broken: RpcCaller = {
      call(queue, body, opts) {
        if (queue.startsWith('qubicle.recipient.shard.')) calls++;
        return sys.serviceBus.call(queue.startsWith('qubicle.recipient.shard.') ? wrongQueue : queue, body, opts);
      },
    };
    const client = new RecipientBusClient({ caller: broken, shardCount: sys.shardCount, timeoutMs: 5_000, service: 'e2e-misrouted' });
    await assert.rejects(client.login(t.accountId, recipient), (err: unknown) => err instanceof QubicleFailure && err.error.code === 'misrouted');
    assert.equal(calls, 1);
  });
});
