/**
 * End to end: monitor (Callcenter Pro) over HTTP, its refusals, the wiretap request and stop
 * published on the bus for the media layer, and logout of either side ending it.
 */
import { strict as assert } from 'node:assert';
import { busClient, callOf, EventLog } from '../support/events.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';
import { until } from '../support/wait.js';

const Q = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';

describe('e2e: monitor', function () {
  this.timeout(30_000);
  let sys: System;
  let t: Tenant;
  let base: string;
  let events: EventLog;
  /** What a media layer would bind to: only the wiretap requests of every account. */
  let media: EventLog;
  let supervisor: { id: string; token: string };
  let agent: { id: string; token: string };
  let plain: { id: string; token: string };
  let basic: { accountId: string; adminId: string; token: string };

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'monitor', { pro: true });
    base = t.base;
    supervisor = await t.addUser({ first_name: 'Sue', last_name: 'Pervisor', priv_level: 'user', qubicle: { enabled: true, permissions: { monitor: true } } });
    agent = await t.addUser({ first_name: 'Al', last_name: 'Agent' });
    plain = await t.addUser({ first_name: 'Pat', last_name: 'Plain' });
    // A second account without the Pro feature.
    const b = await newTenant(sys, 'basic', { pro: false });
    basic = { accountId: b.accountId, adminId: b.adminId, token: b.adminToken };
    events = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${t.accountId}.*.*`]);
    // every account: what a media layer binds to
    media = await EventLog.start(sys.serviceBus, ['qubicle.recipient.*.*.wiretap', 'qubicle.recipient.*.*.wiretap_stop']);
  });
  after(async () => {
    await media?.stop();
    await events?.stop();
  });

  const act = (id: string, body: object, token: string, account = t.accountId) =>
    sys.api('POST', `/v2/accounts/${account}/qubicle_recipients/${id}`, { data: body }, token);
  const status = async (id: string) => (await sys.api('GET', `${base}/${id}/status`, undefined, t.adminToken)).body.data;
  const login = async (who: { id: string; token: string }) => assert.equal((await act(who.id, { action: 'login' }, who.token)).status, 200);

  function assertError(res: { status: number; body: any; text: string }, http: number, code: string) {
    assert.equal(res.status, http, res.text);
    assert.equal(res.body.status, 'error');
    assert.equal(res.body.error, String(http));
    if (code !== 'invalid_data') assert.equal(res.body.data.code, code);
  }

  it('refusals: not Pro → 403 feature_disabled; no permission → 403; bad mode → 400; self → 400; target not logged in → 409; other account → 404', async () => {
    // the account is not Pro
    assert.equal((await act(basic.adminId, { action: 'login' }, basic.token, basic.accountId)).status, 200);
    const agents = (await sys.api('GET', `/v2/accounts/${basic.accountId}/qubicle_recipients`, undefined, basic.token)).body.data as Array<{ id: string }>;
    const basicAgent = agents.find((a) => a.id !== basic.adminId)!;
    assert.equal((await act(basicAgent.id, { action: 'login' }, basic.token, basic.accountId)).status, 200);
    const notPro = await act(basic.adminId, { action: 'monitor', target: basicAgent.id }, basic.token, basic.accountId);
    assertError(notPro, 403, 'feature_disabled');
    assert.equal(notPro.body.data.feature, 'pro');

    await login(supervisor);
    await login(agent);
    await login(plain);
    // no monitor permission (the user acts on themselves)
    assertError(await act(plain.id, { action: 'monitor', target: agent.id }, plain.token), 403, 'forbidden');
    // a plain user acting for another recipient: 403 before anything is sent
    assertError(await act(supervisor.id, { action: 'monitor', target: agent.id }, plain.token), 403, 'forbidden');
    // bad mode: refused by the gateway's validation
    const badMode = await act(supervisor.id, { action: 'monitor', target: agent.id, mode: 'shout' }, supervisor.token);
    assertError(badMode, 400, 'invalid_data');
    assert.ok(badMode.body.data.mode.enum);
    // self
    const self = await act(supervisor.id, { action: 'monitor', target: supervisor.id }, supervisor.token);
    assertError(self, 400, 'invalid_data');
    assert.ok(self.body.data.target);
    // target not logged in
    const out = { id: await t.addRecipient({ first_name: 'Otto', last_name: 'Out' }) };
    const notIn = await act(supervisor.id, { action: 'monitor', target: out.id }, supervisor.token);
    assertError(notIn, 409, 'not_logged_in');
    assert.equal(notIn.body.data.recipient_id, out.id);
    // target in another account
    assertError(await act(supervisor.id, { action: 'monitor', target: basicAgent.id }, supervisor.token), 404, 'not_found');
    // monitor_stop without a monitor
    assertError(await act(supervisor.id, { action: 'monitor_stop' }, supervisor.token), 409, 'invalid_transition');
    // nothing changed for anyone
    const s = await status(supervisor.id);
    assert.equal(s.wiretapping_recipient, undefined);
    assert.equal(s.availability_state, 'Away');
    assert.equal(media.events.length, 0);
  });

  it('monitor: status shows target and mode, the wiretap request is published for the media layer, no offers meanwhile; monitor_stop ends it', async () => {
    const from = events.mark;
    const mfrom = media.mark;
    const res = await act(supervisor.id, { action: 'monitor', target: agent.id, mode: 'whisper' }, supervisor.token);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data, { action: 'monitor' });
    const s = await status(supervisor.id);
    assert.equal(s.wiretapping_recipient, agent.id);
    assert.equal(s.wiretap_mode, 'whisper');

    const tap = await media.next(supervisor.id, 'wiretap', mfrom);
    assert.deepEqual(tap.wiretap, { target_id: agent.id, mode: 'whisper' });
    assert.equal(tap.account_id, t.accountId);
    assert.equal(tap.status.wiretapping_recipient, agent.id);
    await events.next(supervisor.id, 'wiretap', from);

    // a monitoring recipient is offered no calls, even when Ready
    await sys.api('POST', `${base}/${supervisor.id}/status`, { data: { status: 'ready' } }, supervisor.token);
    const client = busClient(sys);
    assert.deepEqual(await client.offer(t.accountId, supervisor.id, { call: callOf(Q), offer_timeout_seconds: 30, wrapup_seconds: 0 }), {
      accepted: false,
      reason: 'wiretapping',
    });

    // switching mode: the old bridge is stopped first, then the new one requested
    const m2 = media.mark;
    assert.equal((await act(supervisor.id, { action: 'monitor', target: agent.id, mode: 'barge' }, supervisor.token)).status, 200);
    const stop1 = await media.next(supervisor.id, 'wiretap_stop', m2);
    assert.deepEqual(stop1.wiretap, { target_id: agent.id, mode: 'whisper' });
    assert.equal(stop1.reason, 'switched');
    assert.deepEqual((await media.next(supervisor.id, 'wiretap', m2)).wiretap, { target_id: agent.id, mode: 'barge' });

    const m3 = media.mark;
    assert.equal((await act(supervisor.id, { action: 'monitor_stop' }, supervisor.token)).status, 200);
    const stop = await media.next(supervisor.id, 'wiretap_stop', m3);
    assert.deepEqual(stop.wiretap, { target_id: agent.id, mode: 'barge' });
    assert.equal(stop.reason, 'requested');
    const after = await status(supervisor.id);
    assert.equal(after.wiretapping_recipient, undefined);
    assert.equal(after.wiretap_mode, undefined);
    assert.deepEqual(await client.offer(t.accountId, supervisor.id, { call: callOf(Q), offer_timeout_seconds: 30, wrapup_seconds: 0 }), { accepted: true });
  });

  it('the target logging out ends the monitor (wiretap_stop, reason target_logged_out)', async () => {
    // the supervisor holds an offer from the previous test: clear it
    const s0 = await status(supervisor.id);
    if (s0.offered_call) await busClient(sys).withdraw(t.accountId, supervisor.id, s0.offered_call.session_id);
    // the default mode is eavesdrop (admin acting for the supervisor)
    assert.equal((await act(supervisor.id, { action: 'monitor', target: agent.id }, t.adminToken)).status, 200);
    assert.equal((await status(supervisor.id)).wiretap_mode, 'eavesdrop');
    const m = media.mark;
    assert.equal((await act(agent.id, { action: 'logout' }, agent.token)).status, 200);
    const stop = await media.next(supervisor.id, 'wiretap_stop', m);
    assert.equal(stop.reason, 'target_logged_out');
    assert.deepEqual(stop.wiretap, { target_id: agent.id, mode: 'eavesdrop' });
    // the worker made this change, not a request to the gateway: the gateway's read model learns it
    // from the event feed, milliseconds after the media layer did (docs/performance.md, read model)
    await until('the gateway to show the monitor ended', async () => (await status(supervisor.id)).wiretapping_recipient === undefined);
  });

  it('the monitoring recipient logging out ends the monitor too (wiretap_stop, then delete)', async () => {
    await login(agent);
    assert.equal((await act(supervisor.id, { action: 'monitor', target: agent.id, mode: 'eavesdrop' }, supervisor.token)).status, 200);
    const from = events.mark;
    const m = media.mark;
    assert.equal((await act(supervisor.id, { action: 'logout' }, supervisor.token)).status, 200);
    const stop = await media.next(supervisor.id, 'wiretap_stop', m);
    assert.equal(stop.reason, 'logout');
    assert.deepEqual(stop.wiretap, { target_id: agent.id, mode: 'eavesdrop' });
    const del = await events.next(supervisor.id, 'delete', from);
    assert.ok(del.seq > stop.seq);
    assert.equal((await status(agent.id)).availability_state, 'Away', 'the target is untouched');
  });
});
