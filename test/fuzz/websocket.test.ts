/**
 * Property-based fuzz of EVERY client message of the event websocket (issue 11), against the real
 * gateway over RabbitMQ. One row per action of the contracts' LIVE_ACTIONS (a new action without a
 * row fails the suite). Each case opens a socket, sends one hostile message (support/hostile.ts)
 * and asserts: an error reply of the contract's shape (every server message is checked against its
 * contract by the test client) or a close with one of our close codes, never a success and never
 * an event; an error of a few KB at most; a new socket still gets pong; the watched recipient's
 * status unchanged; no prototype touched.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CLIENT_JSON_MAX_DEPTH, LIVE_ACTIONS, LIVE_CLOSE_CODES, LIVE_ERROR_CODES } from '@qubicle/contracts';
import { TestClient, type ServerMessage } from '../../services/api-gateway/test/live/test-client.js';
import { hostileParams, hostileText, type Json } from './support/hostile.js';
import { fuzzParams, rowTimeout } from './support/config.js';
import { fuzzWorld, type FuzzWorld } from './support/world.js';

const TEMPLATES: Record<string, (w: FuzzWorld) => object> = {
  subscribe: (w) => ({
    action: 'subscribe',
    auth_token: w.t.adminToken,
    request_id: 'fuzz-subscribe',
    data: {
      account_id: w.t.accountId,
      bindings: ['qubicle.recipient.*', `qubicle.recipient.${w.agent.id}.ready`, 'qubicle.queue.*', 'qubicle.session.*.delete'],
      resume: { [w.agent.id]: 1 },
      resume_queues: { c6564319c5996b0db6f4e53d69db79d8: 1 },
      name: 'fuzz',
      metadata: {}, // its values are free: only typed fields in a template (every change of one must be refused)
    },
  }),
  unsubscribe: (w) => ({ action: 'unsubscribe', auth_token: w.t.adminToken, request_id: 'fuzz-unsubscribe', data: { account_id: w.t.accountId, bindings: ['qubicle.recipient.*'] } }),
  ping: (w) => ({ action: 'ping', auth_token: w.agent.token, request_id: 'fuzz-ping', data: {} }),
};

const CLOSE_CODES = new Set<number>(Object.values(LIVE_CLOSE_CODES));

/** The first reply, or the close, whichever comes first. */
async function outcome(c: TestClient): Promise<{ reply?: ServerMessage; close?: { code: number; reason: string } }> {
  const reply = c.next((m) => m['action'] === 'reply', 10_000).then((m) => ({ reply: m }));
  const close = c.closed.then((cl) => ({ close: cl }));
  return Promise.race([reply, close]);
}

describe('fuzz: every websocket client message, hostile input (real gateway, real RabbitMQ)', function () {
  let w: FuzzWorld;
  let url: string;
  before(async function () {
    this.timeout(60_000);
    w = await fuzzWorld();
    url = `${w.sys.url.replace(/^http/, 'ws')}/socket`;
  });

  it('every client action has a fuzz row, and every row an action', () => {
    assert.deepEqual([...LIVE_ACTIONS].sort(), Object.keys(TEMPLATES).sort());
  });

  for (const [action, template] of Object.entries(TEMPLATES)) {
    it(action, async function () {
      this.timeout(rowTimeout(800));
      await fc.assert(
        fc.asyncProperty(hostileParams, fc.boolean(), async (p, withToken) => {
          // with a token, and without (the first message of a connection that never authenticates)
          const { auth_token: _token, ...tokenless } = template(w) as { auth_token?: string };
          const hostile = hostileText((withToken ? template(w) : tokenless) as Json, p, CLIENT_JSON_MAX_DEPTH);
          const what = `${action} (${p.poison}${withToken ? '' : ', no token'}) ${hostile.text.slice(0, 160)}`;
          const c = await TestClient.open(url);
          try {
            c.send(hostile.text);
            const out = await outcome(c);
            if (out.reply) {
              assert.equal(out.reply['status'], 'error', `${what}: a hostile message was accepted: ${JSON.stringify(out.reply).slice(0, 300)}`);
              assert.ok((LIVE_ERROR_CODES as readonly string[]).includes(out.reply['data']['code']), what);
              if (p.poison === 'proto' || p.poison === 'deep') assert.equal(out.reply['data']['code'], 'invalid_message', what);
              assert.ok(JSON.stringify(out.reply).length <= 16 * 1024, `${what}: a ${JSON.stringify(out.reply).length}-byte reply`);
              // nothing else came with it (no snapshot, no event) and the socket still answers
              c.send({ action: 'ping', request_id: 'after' });
              assert.equal((await c.reply('after'))['data']['response'], 'pong', what);
              assert.deepEqual(c.events(), [], `${what}: events after a refused message`);
            } else {
              assert.ok(CLOSE_CODES.has(out.close!.code), `${what}: closed with ${out.close!.code} ${out.close!.reason}`);
            }
          } finally {
            c.terminate();
          }
          const fresh = await TestClient.open(url);
          try {
            fresh.send({ action: 'ping', request_id: 'alive' });
            assert.equal((await fresh.reply('alive'))['data']['response'], 'pong', `${what}: the gateway stopped answering`);
          } finally {
            fresh.terminate();
          }
          await w.assertUnchanged(what);
        }),
        fuzzParams(`websocket ${action}`),
      );
    });
  }
});
