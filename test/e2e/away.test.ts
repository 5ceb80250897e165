/**
 * End to end on the real broker, a real worker and a real listening gateway: the away-reason
 * catalogue (qubicle_away_reasons CRUD, admins write, any token of the account reads), away with a
 * reason (400 for an unknown one, nothing changed; the same rule on the bus), a timed break ending
 * with a `ready` event, and the time in each state in the session history.
 */
import { strict as assert } from 'node:assert';
import { QubicleFailure } from '@qubicle/contracts';
import { busClient, EventLog } from '../support/events.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';
import { until } from '../support/wait.js';

describe('e2e: away reasons, timed breaks, time in each state', function () {
  this.timeout(30_000);
  let sys: System;
  let t: Tenant;
  let reasons: string;
  let agent: { id: string; token: string };
  let events: EventLog;

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'away');
    reasons = `/v2/accounts/${t.accountId}/qubicle_away_reasons`;
    agent = await t.addUser({ first_name: 'Bre', last_name: 'Ak' });
    events = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${t.accountId}.*.*`]);
  });
  after(async () => events?.stop());

  const api = (method: string, path: string, body?: unknown, token: string = t.adminToken) => sys.api(method, path, body, token);

  describe('the catalogue', () => {
    it('starts with the built-in missed_calls; an admin creates, reads, replaces, patches and deletes an entry', async () => {
      const first = await api('GET', reasons);
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.body.data, [{ name: 'missed_calls', label: 'Missed calls', productive: false }]);

      const lunch = { name: 'lunch', label: 'Lunch', productive: false, max_duration_seconds: 3600, on_max: 'ready' };
      const created = await api('PUT', reasons, { data: lunch });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.body.data, lunch);
      assert.equal((await api('PUT', reasons, { data: lunch })).status, 409, 'the name is taken');

      const got = await api('GET', `${reasons}/lunch`);
      assert.deepEqual(got.body.data, lunch);

      const replaced = await api('POST', `${reasons}/lunch`, { data: { label: 'Lunch break', productive: false } });
      assert.equal(replaced.status, 200, replaced.text);
      assert.deepEqual(replaced.body.data, { name: 'lunch', label: 'Lunch break', productive: false }, 'a replace drops the maximum');

      const patched = await api('PATCH', `${reasons}/lunch`, { data: { max_duration_seconds: 1800, on_max: 'alert' } });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.body.data, { name: 'lunch', label: 'Lunch break', productive: false, max_duration_seconds: 1800, on_max: 'alert' });

      const list = await api('GET', reasons);
      assert.deepEqual(list.body.data.map((e: { name: string }) => e.name), ['missed_calls', 'lunch']);

      const deleted = await api('DELETE', `${reasons}/lunch`);
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(deleted.body.data.name, 'lunch');
      assert.equal((await api('GET', `${reasons}/lunch`)).status, 404);
      assert.equal((await api('DELETE', `${reasons}/lunch`)).status, 404);
    });

    it('bad input is a 400 naming the field and rule, and changes nothing', async () => {
      const noOnMax = await api('PUT', reasons, { data: { name: 'nap', label: 'Nap', productive: false, max_duration_seconds: 60 } });
      assert.equal(noOnMax.status, 400, noOnMax.text);
      assert.equal(noOnMax.body.message, 'invalid data');
      const badName = await api('PUT', reasons, { data: { name: 'Not Valid', label: 'x', productive: true } });
      assert.equal(badName.status, 400);
      assert.ok(badName.body.data.name.pattern, badName.text);
      const builtIn = await api('DELETE', `${reasons}/missed_calls`);
      assert.equal(builtIn.status, 400, builtIn.text);
      assert.ok(builtIn.body.data.name.built_in, builtIn.text);
      const patchBuiltIn = await api('PATCH', `${reasons}/missed_calls`, { data: { label: 'x' } });
      assert.equal(patchBuiltIn.status, 400);
      assert.equal((await api('GET', `${reasons}/nap`)).status, 404);
      assert.equal((await api('GET', `${reasons}/NOPE`)).status, 404, 'not a reason name: bad identifier');
    });

    it('any token of the account reads it; only admins write', async () => {
      assert.equal((await api('GET', reasons, undefined, agent.token)).status, 200);
      const put = await api('PUT', reasons, { data: { name: 'sneaky', label: 'x', productive: true } }, agent.token);
      assert.equal(put.status, 403, put.text);
      assert.equal((await api('GET', `${reasons}/sneaky`)).status, 404);
    });
  });

  describe('away with a reason', () => {
    before(async () => {
      const res = await api('PUT', reasons, { data: { name: 'training', label: 'Training', productive: true } });
      assert.equal(res.status, 201, res.text);
    });

    it('the status shows the reason and since when; the away event carries the reason', async () => {
      const mark = events.mark;
      assert.equal((await t.setStatus(agent.id, { status: 'login' }, agent.token)).status, 200);
      assert.equal((await t.setStatus(agent.id, { status: 'ready' }, agent.token)).status, 200);
      const before = Math.floor(Date.now() / 1000);
      const res = await t.setStatus(agent.id, { status: 'away', reason: 'training' }, agent.token);
      assert.equal(res.status, 200, res.text);
      const ev = await events.waitFor((e) => e.recipient_id === agent.id && e.event === 'away' && e.reason === 'training', 'away (training)', 5_000, mark);
      assert.equal(ev.status.away_reason, 'training');
      const status = await t.status(agent.id);
      assert.equal(status.away_reason, 'training');
      assert.ok(status.away_since >= before - 1 && status.away_since <= before + 2, `away_since ${status.away_since}`);
    });

    it('an unknown reason → 400 invalid data (reason.unknown_reason), nothing changed; the bus command gets the same refusal', async () => {
      const before = await t.status(agent.id);
      const res = await t.setStatus(agent.id, { status: 'away', reason: 'nap' }, agent.token);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.message, 'invalid data');
      assert.equal(res.body.data.reason.unknown_reason.cause, 'nap');
      assert.deepEqual((await t.status(agent.id)).away_reason, before.away_reason);
      await assert.rejects(busClient(sys).setStatus(t.accountId, agent.id, 'away', { reason: 'nap' }), (err: unknown) => {
        assert.ok(err instanceof QubicleFailure, String(err));
        assert.equal(err.error.code, 'invalid_data');
        return true;
      });
    });

    it('a reason created a moment ago is taken at once (the worker reads the catalogue again before refusing)', async () => {
      assert.equal((await api('PUT', reasons, { data: { name: 'coaching', label: 'Coaching', productive: true } })).status, 201);
      const res = await t.setStatus(agent.id, { status: 'away', reason: 'coaching' }, agent.token);
      assert.equal(res.status, 200, res.text);
      assert.equal((await t.status(agent.id)).away_reason, 'coaching');
    });

    it('reason and duration_seconds go with away only (400)', async () => {
      const res = await t.setStatus(agent.id, { status: 'ready', reason: 'training' }, agent.token);
      assert.equal(res.status, 400, res.text);
      const perQueueBreak = await t.setStatus(agent.id, { status: 'away', queue_id: 'a'.repeat(32), duration_seconds: 5 }, agent.token);
      assert.equal(perQueueBreak.status, 400, perQueueBreak.text);
    });
  });

  describe('the bulk set', () => {
    it('takes reason and duration_seconds with the global away; an unknown reason answers error for that key', async () => {
      const bulk = (entry: Record<string, unknown>) => api('POST', `${t.base}/status`, { data: { set_status: true, [agent.id]: entry } });
      const ok = await bulk({ global: 'away', reason: 'training', duration_seconds: 600 });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body.data, { [agent.id]: { global: 'ok' } });
      const status = await t.status(agent.id);
      assert.equal(status.away_reason, 'training');
      assert.ok(status.away_until > Math.floor(Date.now() / 1000) + 500, JSON.stringify(status));
      const unknown = await bulk({ global: 'away', reason: 'nap' });
      assert.deepEqual(unknown.body.data, { [agent.id]: { global: 'error' } });
      assert.equal((await t.status(agent.id)).away_reason, 'training', 'nothing changed');
      const perQueueBreak = await bulk({ [`${'b'.repeat(32)}`]: 'away', duration_seconds: 60 });
      assert.equal(perQueueBreak.status, 400, 'a break needs the global away');
    });
  });

  describe('a timed break', () => {
    it('shows away_until and ends with a ready event (reason away_ended) at its deadline', async () => {
      const mark = events.mark;
      const res = await t.setStatus(agent.id, { status: 'away', reason: 'training', duration_seconds: 1 }, agent.token);
      assert.equal(res.status, 200, res.text);
      const status = await t.status(agent.id);
      assert.equal(status.availability_state, 'Away');
      assert.ok(status.away_until >= Math.floor(Date.now() / 1000), `away_until ${status.away_until}`);
      const ready = await events.waitFor((e) => e.recipient_id === agent.id && e.event === 'ready', 'ready at the end of the break', 5_000, mark);
      assert.equal(ready.reason, 'away_ended');
      assert.equal(ready.status.availability_state, 'Ready');
      assert.equal(ready.status.away_until, undefined, 'the break is over');
      // GET status may be answered by the gateway's read model, which hears the same event a moment later
      await until('GET status Ready after the break', async () => (await t.status(agent.id)).availability_state === 'Ready', 5_000);
    });
  });

  describe('time in each state', () => {
    it('the session record holds the seconds per state and per reason', async () => {
      await t.setStatus(agent.id, { status: 'away', reason: 'training' }, agent.token);
      assert.equal((await t.setStatus(agent.id, { status: 'logout' }, agent.token)).status, 200);
      const res = await api('GET', `${t.base}/${agent.id}/sessions`);
      assert.equal(res.status, 200, res.text);
      const [session] = res.body.data;
      assert.ok(session.time_in_state, res.text);
      assert.deepEqual(Object.keys(session.time_in_state).sort(), ['away', 'call_offer', 'on_a_call', 'ready', 'wrapup_time']);
      const total = Object.values<number>(session.time_in_state).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - (session.logout_time - session.login_time)) <= 2, `${total} vs ${session.logout_time - session.login_time}`);
      assert.ok(session.time_in_reason.training >= 1, `the 1 s break was training: ${res.text}`);
      assert.ok(session.time_in_state.away >= session.time_in_reason.training, 'a reason\'s time is part of the away time');
    });

    it('the daily summary sums the day\'s sessions, with occupancy and the productive away time', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const res = await api('GET', `${t.base}/${agent.id}/summary?date=${today}`);
      assert.equal(res.status, 200, res.text);
      const day = res.body.data;
      assert.equal(day.date, today);
      assert.equal(day.sessions, 1);
      const sessions = (await api('GET', `${t.base}/${agent.id}/sessions`)).body.data;
      assert.deepEqual(day.time_in_state, sessions[0].time_in_state);
      assert.equal(day.logged_in_seconds, sessions[0].logout_time - sessions[0].login_time);
      // training and coaching are productive, missed_calls is not
      assert.equal(day.productive_away_seconds, (day.time_in_reason.training ?? 0) + (day.time_in_reason.coaching ?? 0));
      assert.equal(day.occupancy, 0, 'no call, no occupancy');
      assert.equal(day.total_calls, 0);

      const none = await api('GET', `${t.base}/${agent.id}/summary?date=2000-01-01`);
      assert.equal(none.status, 200);
      assert.equal(none.body.data.sessions, 0);
      const own = await api('GET', `${t.base}/${agent.id}/summary`, undefined, agent.token);
      assert.equal(own.status, 200, 'a plain user reads their own; no date = today (UTC)');
      assert.equal(own.body.data.date, today);
      const bad = await api('GET', `${t.base}/${agent.id}/summary?date=2026-13-40`);
      assert.equal(bad.status, 400, bad.text);
      assert.ok(bad.body.data.date.pattern, bad.text);
      const other = await api('GET', `${t.base}/${t.adminId}/summary`, undefined, agent.token);
      assert.equal(other.status, 403, 'a plain user reads only their own');
    });
  });
});
