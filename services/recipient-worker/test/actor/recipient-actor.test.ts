import assert from 'node:assert/strict';
import { EVENTS_EXCHANGE, NOT_LOGGED_IN_STATUS, recipientEventKey, type RpcReply } from '@qubicle/contracts';
import { TIMER_RETRY_MS } from '../../src/actor/recipient-actor.js';
import { StoreError } from '../../src/store/port.js';
import { actorHarness } from '../support/actor-harness.js';
import { ACCOUNT, NODE, OTHER, RECIPIENT, T0, call, cmd, monitorInput, offerCmd } from '../support/machine-fixtures.js';
import { deferred, waitFor, within } from '../support/wait.js';

const UNKNOWN = 'b00000000000000000000000000000ff';

function ok(reply: RpcReply<unknown>): unknown {
  assert.equal(reply.ok, true, JSON.stringify(reply));
  return reply.ok ? reply.data : undefined;
}

function errCode(reply: RpcReply<unknown>): string | undefined {
  return reply.ok ? undefined : reply.error.code;
}

describe('actor: one recipient', () => {
  it('login persists (fenced) BEFORE replying, then publishes the create event', async () => {
    const h = actorHarness();
    const gate = deferred();
    h.store.gates.set('saveRecipients', gate.promise);
    let replied = false;
    const p = h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })).then((r) => {
      replied = true;
      return r;
    });
    await waitFor(() => h.store.calls.includes('saveRecipients'), 'the write');
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(replied, false, 'no reply while the write is in flight');
    assert.equal(h.bus.published.length, 0, 'no event before the write');
    gate.resolve();
    const reply = await within(p);
    assert.equal((ok(reply) as { availability_state: string }).availability_state, 'Away');
    assert.equal(reply.node, NODE);
    assert.equal(h.store.writes.length, 1);
    assert.deepEqual(h.store.writes[0]!.fence, { shard: h.shard, epoch: 1, node: NODE });
    assert.equal(h.store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)?.state.availability_state, 'Away');
    assert.deepEqual(h.bus.published.map((p) => [p.exchange, p.routingKey]), [[EVENTS_EXCHANGE, recipientEventKey(ACCOUNT, RECIPIENT, 'create')]]);
  });

  it('login refused for an unknown user, a disabled user, a user who is not a recipient (not_found, nothing written)', async () => {
    const h = actorHarness();
    const disabled = 'b000000000000000000000000000000d';
    const plain = 'b000000000000000000000000000000e';
    h.store.addUser(ACCOUNT, disabled, { enabled: false });
    h.store.addUser(ACCOUNT, plain, { qubicle: { enabled: false, permissions: { monitor: false } } });
    for (const [id, cause] of [
      [UNKNOWN, 'no_such_user'],
      [disabled, 'user_disabled'],
      [plain, 'not_a_recipient'],
    ] as const) {
      const reply = await h.registry.dispatch(ACCOUNT, id, cmd({ type: 'login' }, { recipient_id: id }));
      assert.equal(errCode(reply), 'not_found', id);
      assert.equal(!reply.ok && reply.error.code === 'not_found' && reply.error.cause, cause);
      assert.match(!reply.ok ? reply.error.message : '', new RegExp(id));
    }
    assert.equal(h.store.writes.length, 0);
    assert.equal(h.bus.published.length, 0);
    assert.equal(h.registry.size, 0, 'no actor kept for recipients who are not logged in');
  });

  it('get_status of a recipient who is not logged in: Not-Logged-In; of a non-recipient: not_found', async () => {
    const h = actorHarness();
    const disabled = 'b000000000000000000000000000000d';
    h.store.addUser(ACCOUNT, disabled, { enabled: false });
    assert.deepEqual(ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'get_status' }))), NOT_LOGGED_IN_STATUS);
    assert.deepEqual(ok(await h.registry.dispatch(ACCOUNT, disabled, cmd({ type: 'get_status' }, { recipient_id: disabled }))), NOT_LOGGED_IN_STATUS);
    assert.equal(errCode(await h.registry.dispatch(ACCOUNT, UNKNOWN, cmd({ type: 'get_status' }, { recipient_id: UNKNOWN }))), 'not_found');
    assert.equal(h.registry.size, 0);
  });

  it('serialises concurrent inputs: login and ready sent together both apply, in order', async () => {
    const h = actorHarness();
    const [login, ready] = await within(
      Promise.all([
        h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })),
        h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' })),
      ]),
    );
    ok(login);
    assert.equal((ok(ready) as { availability_state: string }).availability_state, 'Ready');
    assert.deepEqual(h.bus.names(), ['create', 'ready']);
    assert.deepEqual(h.store.writes.map((w) => w.state?.availability_state), ['Away', 'Ready']);
  });

  it('a failed write changes nothing in memory, answers unavailable and publishes nothing', async () => {
    const h = actorHarness();
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    const actor = h.registry.peek(ACCOUNT, RECIPIENT)!;
    const before = structuredClone(actor.state);
    h.store.failNext('saveRecipients');
    const reply = await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' }));
    assert.equal(errCode(reply), 'unavailable');
    assert.deepEqual(actor.state, before);
    assert.deepEqual(h.bus.names(), ['create']);
    // and the next command works
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' })));
    assert.equal(actor.state?.availability_state, 'Ready');
  });

  it('a failed offer write arms no timer', async () => {
    const h = actorHarness();
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' })));
    h.store.failNext('saveRecipients');
    assert.equal(errCode(await h.registry.dispatch(ACCOUNT, RECIPIENT, offerCmd())), 'unavailable');
    assert.deepEqual(h.clock.pendingTimers(), []);
  });

  it('a fenced write: the actor stops, the shard is reported lost, the reply is unavailable', async () => {
    const h = actorHarness();
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    const actor = h.registry.peek(ACCOUNT, RECIPIENT)!;
    const before = structuredClone(actor.state);
    h.store.steal(h.shard);
    const reply = await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' }));
    assert.equal(errCode(reply), 'unavailable');
    assert.deepEqual(h.fenced, [h.shard]);
    assert.equal(actor.isStopped, true);
    assert.deepEqual(actor.state, before);
    assert.equal(errCode(await actor.send(cmd({ type: 'get_status' }))), 'unavailable', 'a stopped actor answers nothing');
    assert.equal(h.store.writes.length, 1);
  });

  it('a failed publish is logged, does not fail the (durable) command, and is sent again from the outbox', async () => {
    const h = actorHarness();
    h.bus.failNext();
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    assert.equal(h.store.recipients.size, 1);
    assert.ok(h.logger.entries.some((e) => e.level === 'warn' && /^event publish failed/.test(e.msg ?? '')));
    assert.deepEqual(h.store.outboxEvents().map((e) => e.event), ['create'], 'recorded with the state, still pending');
    assert.deepEqual(h.bus.names(), []);
    h.clock.advance(100);
    await waitFor(() => h.bus.names().length === 1, 'the retry');
    assert.deepEqual(h.bus.names(), ['create']);
    await waitFor(() => h.store.outboxEvents().length === 0, 'the outbox emptied once confirmed');
  });

  it('the events are written with the state (one store write) and leave the outbox once published', async () => {
    const h = actorHarness();
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' })));
    assert.deepEqual(h.store.writes.map((w) => w.events?.map((e) => e.event)), [['create'], ['ready']]);
    await waitFor(() => h.store.outboxEvents().length === 0, 'deleted once confirmed');
    assert.equal(h.relay.pending(), 0);
    assert.deepEqual(h.bus.names(), ['create', 'ready']);
  });

  it('logout deletes the state (fenced), keeps the session in history, forgets the actor', async () => {
    const h = actorHarness();
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    h.clock.advance(60_000);
    const reply = await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'logout', reason: 'bye' }));
    assert.deepEqual(ok(reply), NOT_LOGGED_IN_STATUS);
    assert.equal(h.store.recipients.size, 0);
    assert.equal(h.store.writes.at(-1)?.op, 'delete');
    assert.equal(h.store.sessions.length, 1);
    assert.equal(h.store.sessions[0]!.logout_time, (T0 + 60_000) / 1000);
    assert.equal(h.store.sessions[0]!.reason, 'bye');
    assert.deepEqual(h.bus.names(), ['create', 'delete']);
    assert.equal(h.registry.size, 0);
  });

  it('logout writes the tombstone, the session and the delete event in ONE store write', async () => {
    const h = actorHarness();
    const login = cmd({ type: 'login' });
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, login));
    const logout = cmd({ type: 'logout' });
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, logout));
    assert.deepEqual(h.store.calls.filter((c) => c === 'appendSession' || c === 'logoutRecipient'), ['logoutRecipient'], 'no separate session write');
    assert.deepEqual(h.store.writes.at(-1)?.events?.map((e) => e.event), ['delete']);
    assert.deepEqual(h.store.loggedOut.get(`${ACCOUNT}/${RECIPIENT}`)?.recent_commands, [login.command_id, logout.command_id]);
    assert.equal(h.store.loggedOut.get(`${ACCOUNT}/${RECIPIENT}`)?.forget_at, T0 + 3_600_000, 'RECENT_COMMANDS_TTL_MS after the logout');
    assert.equal(h.store.sessions.length, 1);
  });

  it('logout X, login Y, the same logout X again: not applied, the recipient stays logged in (ids remembered across logout)', async () => {
    const h = actorHarness();
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    const logoutX = cmd({ type: 'logout' });
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, logoutX));
    assert.equal(h.registry.size, 0, 'the logged-out actor is forgotten: the memory is the store\'s');
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    const writes = h.store.writes.length;
    const again = await h.registry.dispatch(ACCOUNT, RECIPIENT, logoutX);
    assert.equal((ok(again) as { availability_state: string }).availability_state, 'Away', 'answered with the current status');
    assert.equal(h.store.writes.length, writes, 'nothing written');
    assert.equal(h.store.recipients.size, 1, 'still logged in');
    // the same burst in one mailbox (the actor still alive between them)
    const h2 = actorHarness();
    const x = cmd({ type: 'logout' });
    const replies = await Promise.all([cmd({ type: 'login' }), x, cmd({ type: 'login' }), x].map((c) => h2.registry.dispatch(ACCOUNT, RECIPIENT, c)));
    assert.ok(replies.every((r) => r.ok));
    assert.equal(h2.store.recipients.size, 1, 'still logged in after the burst');
  });

  it('a redelivered old login after logout is not a new session; after RECENT_COMMANDS_TTL_MS it is forgotten', async () => {
    const h = actorHarness();
    h.env.recentCommands = { kept: 16, ttlMs: 10_000 };
    const loginA = cmd({ type: 'login' });
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, loginA));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'logout' })));
    assert.deepEqual(ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, loginA)), NOT_LOGGED_IN_STATUS, 'a duplicate: still logged out');
    assert.equal(h.store.recipients.size, 0);
    h.clock.advance(10_000);
    assert.equal((ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, loginA)) as { availability_state: string }).availability_state, 'Away', 'forgotten: applied');
  });

  it('RECENT_COMMANDS_KEPT bounds the ids of the state and of the tombstone', async () => {
    const h = actorHarness();
    h.env.recentCommands = { kept: 2, ttlMs: 10_000 };
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    for (let i = 0; i < 3; i++) ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: i % 2 ? 'away' : 'ready' })));
    assert.equal(h.registry.peek(ACCOUNT, RECIPIENT)?.state?.recent_commands.length, 2);
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'logout' })));
    assert.equal(h.store.loggedOut.get(`${ACCOUNT}/${RECIPIENT}`)?.recent_commands.length, 2);
  });

  it('reads its state from the store on first use (e.g. after a restart) and dedupes a redelivered command', async () => {
    const h = actorHarness();
    const ready = cmd({ type: 'set_status', status: 'ready' });
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    const first = await h.registry.dispatch(ACCOUNT, RECIPIENT, ready);
    h.registry.dropShard(h.shard);
    assert.equal(h.registry.size, 0);
    const writes = h.store.writes.length;
    const again = await h.registry.dispatch(ACCOUNT, RECIPIENT, ready);
    assert.deepEqual(again, first);
    assert.equal(h.store.writes.length, writes, 'nothing written for a duplicate');
    assert.equal(h.registry.peek(ACCOUNT, RECIPIENT)?.state?.availability_state, 'Ready');
  });

  it('uses the account settings (missed-call threshold) and caches them briefly', async () => {
    const h = actorHarness({ threshold: 1 });
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, offerCmd('c1')));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'reject', session_id: 'c1' })));
    const actor = h.registry.peek(ACCOUNT, RECIPIENT)!;
    assert.equal(actor.state?.away_reason, 'missed_calls');
    const reads = h.store.calls.filter((c) => c === 'getAccount').length;
    assert.equal(reads, 1, 'cached across commands');
    h.store.accounts.get(ACCOUNT)!.qubicle.missed_call_threshold = 0;
    h.clock.advance(5_001);
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, offerCmd('c2')));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'reject', session_id: 'c2' })));
    assert.equal(actor.state?.availability_state, 'Ready', 'new threshold (0 = off) after the cache expired');
  });

  it('hands wiretap effects to the media hook', async () => {
    const h = actorHarness();
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, monitorInput(OTHER, {}, 'barge')));
    assert.deepEqual(h.wiretaps, [{ type: 'wiretap', action: 'start', target_id: OTHER, mode: 'barge' }]);
    await Promise.all(h.registry.targetLoggedOut(ACCOUNT, OTHER));
    assert.equal(h.registry.peek(ACCOUNT, RECIPIENT)?.state?.wiretapping_recipient, null);
    assert.deepEqual(h.bus.names(), ['create', 'wiretap', 'wiretap_stop']);
  });
});

describe('actor: timers', () => {
  async function readyWithOffer(h: ReturnType<typeof actorHarness>, timeout = 20, wrapup = 30) {
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, offerCmd('call-1', { timeout, wrapup })));
    return h.registry.peek(ACCOUNT, RECIPIENT)!;
  }

  it('an unanswered offer times out at its deadline: a persisted, published miss', async () => {
    const h = actorHarness();
    const actor = await readyWithOffer(h, 20);
    assert.deepEqual(h.clock.pendingTimers(), [T0 + 20_000]);
    h.clock.advance(19_999);
    await actor.idle();
    assert.equal(actor.state?.availability_state, 'Call-Offer');
    h.clock.advance(1);
    await waitFor(() => actor.state?.availability_state === 'Ready', 'the miss');
    await actor.idle();
    assert.equal(actor.state?.stats.missed_calls, 1);
    assert.equal(h.store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)?.state.stats.missed_calls, 1);
    assert.deepEqual(h.bus.names().slice(-2), ['miss', 'ready']);
  });

  it('answer cancels the offer timer; hangup arms the wrap-up timer which ends wrap-up', async () => {
    const h = actorHarness();
    const actor = await readyWithOffer(h, 20, 30);
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'answer', session_id: 'call-1' })));
    assert.deepEqual(h.clock.pendingTimers(), []);
    h.clock.advance(10_000);
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'hangup', session_id: 'call-1' })));
    assert.deepEqual(h.clock.pendingTimers(), [T0 + 40_000]);
    h.clock.advance(30_000);
    await waitFor(() => actor.state?.availability_state === 'Ready', 'wrap-up end');
    assert.deepEqual(h.bus.names().slice(-2), ['wrapup_end', 'ready']);
  });

  it('wrapup_extend re-arms: only the new deadline ends wrap-up', async () => {
    const h = actorHarness();
    const actor = await readyWithOffer(h, 20, 30);
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'answer', session_id: 'call-1' })));
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'hangup', session_id: 'call-1' })));
    h.clock.advance(20_000);
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'wrapup_extend' })));
    assert.deepEqual(h.clock.pendingTimers(), [T0 + 50_000]);
    h.clock.advance(10_000); // the original deadline passes
    await actor.idle();
    assert.equal(actor.state?.availability_state, 'Wrapup-Time');
    h.clock.advance(20_000);
    await waitFor(() => actor.state?.availability_state === 'Ready', 'extended wrap-up end');
  });

  it('logout cancels every timer of the session', async () => {
    const h = actorHarness();
    await readyWithOffer(h);
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'logout' })));
    assert.deepEqual(h.clock.pendingTimers(), []);
  });

  it('a timer input that cannot be written (store down) is retried', async () => {
    const h = actorHarness();
    const actor = await readyWithOffer(h, 20);
    h.store.failNext('saveRecipients');
    h.clock.advance(20_000);
    await waitFor(() => h.clock.pendingTimers().length === 1, 'the retry timer');
    assert.equal(actor.state?.availability_state, 'Call-Offer');
    assert.deepEqual(h.clock.pendingTimers(), [T0 + 20_000 + TIMER_RETRY_MS]);
    h.clock.advance(TIMER_RETRY_MS);
    await waitFor(() => actor.state?.availability_state === 'Ready', 'the retried miss');
  });

  it('adopting a loaded state re-arms a future deadline and applies a passed one at once', async () => {
    const h = actorHarness();
    await readyWithOffer(h, 20);
    const saved = structuredClone(h.registry.peek(ACCOUNT, RECIPIENT)!.state!);
    h.registry.dropShard(h.shard);
    assert.deepEqual(h.clock.pendingTimers(), [], 'dropping clears timers');

    const future = h.registry.adopt(structuredClone(saved), h.shard);
    assert.deepEqual(h.clock.pendingTimers(), [T0 + 20_000]);
    assert.equal(future.state?.availability_state, 'Call-Offer');
    h.registry.dropShard(h.shard);

    h.clock.advance(120_000); // nobody owned the shard when the deadline passed
    const late = h.registry.adopt(structuredClone(saved), h.shard);
    await waitFor(() => late.state?.availability_state === 'Ready', 'the late miss');
    assert.equal(late.state?.stats.missed_calls, 1);
    assert.equal(late.state?.stats.last_action_time, (T0 + 120_000) / 1000);
    assert.deepEqual(h.clock.pendingTimers(), []);
  });

  it('a dropped actor never fires its timers', async () => {
    const h = actorHarness();
    const actor = await readyWithOffer(h, 20);
    h.registry.dropShard(h.shard);
    h.clock.advance(60_000);
    await actor.idle();
    assert.equal(actor.state?.availability_state, 'Call-Offer');
    assert.equal(h.store.writes.filter((w) => w.state?.availability_state === 'Ready').length, 1, 'only the original ready write');
  });

  it('offer to a recipient who is not logged in is refused without creating state', async () => {
    const h = actorHarness();
    const reply = await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'offer', call: call(), offer_timeout_seconds: 5, wrapup_seconds: 0 }));
    assert.deepEqual(ok(reply), { accepted: false, reason: 'not_logged_in' });
    assert.equal(h.store.writes.length, 0);
    assert.equal(h.registry.size, 0);
  });

  it('store read failure on first use answers unavailable and keeps no actor', async () => {
    const h = actorHarness();
    h.store.failNext('loadRecipient', new StoreError('unavailable', 'down'));
    assert.equal(errCode(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' }))), 'unavailable');
    assert.equal(h.registry.size, 0);
    ok(await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' })));
  });
});
