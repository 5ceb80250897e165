/**
 * Hostile KAZOO qubicle_session messages (create_session, join_queue, delete_session) to the
 * worker's qubicle.queue.sessions queue. KAZOO's objects are open (unknown keys accepted), so a
 * case may be refused or not; what must hold: the answer is KAZOO's reply of that message kind
 * (valid against its reply schema, `failed` + `invalid_message` when refused) or the transport's
 * RPC refusal of an unreadable message, never more than 16 KiB, and the worker goes on answering.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  BUS_JSON_MAX_DEPTH,
  QUEUE_SESSIONS_QUEUE,
  newKazooId,
  validateCreateSessionReply,
  validateDeleteSessionReply,
  validateJoinQueueReply,
  validateRpcReply,
  type Validation,
} from '@qubicle/contracts';
import { hostileParams, hostileText, type Json } from './support/hostile.js';
import { fuzzParams, rowTimeout } from './support/config.js';
import type { RawBus } from './support/raw-bus.js';
import type { FuzzWorld } from './support/world.js';
import { fuzzBusSuite } from './support/suite.js';

const call = () => ({ 'Call-ID': `fuzz-${newKazooId()}`, 'Caller-ID-Name': 'Hostile', 'Caller-ID-Number': '+15550100' });
const ROWS: Record<string, { template: (w: FuzzWorld) => Json; reply: (v: unknown) => Validation<unknown> }> = {
  create_session: {
    template: (w) => ({ 'Msg-ID': newKazooId(), 'Event-Name': 'create_session', 'Account-ID': w.t.accountId, Call: call(), 'Call-ID': `fuzz-${newKazooId()}`, 'Session-Type': 'callflow' }),
    reply: validateCreateSessionReply,
  },
  join_queue: {
    template: (w) => ({ 'Msg-ID': newKazooId(), 'Event-Name': 'join_queue', 'Account-ID': w.t.accountId, Call: call(), 'Call-ID': `fuzz-${w.absent}`, 'Join-Queue-ID': w.queue, 'Session-ID': `fuzz-${w.absent}`, Priority: 0 }),
    reply: validateJoinQueueReply,
  },
  delete_session: {
    template: (w) => ({ 'Msg-ID': newKazooId(), 'Event-Name': 'delete_session', 'Account-ID': w.t.accountId, Call: call(), 'Call-ID': `fuzz-${w.absent}` }),
    reply: validateDeleteSessionReply,
  },
};

describe('fuzz: KAZOO session messages, hostile input (real worker, real RabbitMQ)', function () {
  let w: FuzzWorld;
  let bus: RawBus;
  fuzzBusSuite((world, raw) => {
    w = world;
    bus = raw;
  });

  async function assertSessionsAnswer(what: string): Promise<void> {
    const text = await bus.call(QUEUE_SESSIONS_QUEUE, JSON.stringify(ROWS['create_session']!.template(w)));
    const v = validateCreateSessionReply(JSON.parse(text));
    assert.ok(v.ok && v.value.Result === 'ok', `${what}: a valid create_session afterwards: ${text.slice(0, 300)}`);
  }

  for (const [name, row] of Object.entries(ROWS)) {
    it(`kazoo ${name}`, async function () {
      this.timeout(rowTimeout(600));
      await fc.assert(
        fc.asyncProperty(hostileParams, async (p) => {
          const hostile = hostileText(row.template(w), p, BUS_JSON_MAX_DEPTH);
          const what = `${name} (${p.poison}) ${hostile.text.slice(0, 160)}`;
          const text = await bus.call(QUEUE_SESSIONS_QUEUE, hostile.text);
          assert.ok(text.length <= 16 * 1024, `${what}: a ${text.length}-byte reply`);
          const reply = JSON.parse(text) as unknown;
          const kazoo = row.reply(reply);
          if (kazoo.ok) {
            const r = kazoo.value as { Result: string; Reason?: string };
            if (r.Result === 'failed') assert.ok(['invalid_message', 'unknown_session', 'unknown_queue'].includes(r.Reason ?? ''), `${what}: ${text.slice(0, 300)}`);
          } else {
            // not KAZOO's reply of that kind: only the transport's refusal of an unreadable message, or another kind's reply
            const rpc = validateRpcReply(reply);
            const other = [validateCreateSessionReply, validateJoinQueueReply, validateDeleteSessionReply].some((v) => v(reply).ok);
            assert.ok((rpc.ok && !rpc.value.ok) || other, `${what}: the reply is neither KAZOO's nor a refusal: ${text.slice(0, 300)}`);
          }
          await assertSessionsAnswer(what);
          await w.assertUnchanged(what);
        }),
        fuzzParams(`kazoo ${name}`),
      );
    });
  }
});
