/**
 * End to end (real broker, real gateway, real worker): safe retries (Idempotency-Key), stale writes
 * (If-Match against the status revision), supervisors acting on another recipient with a reason,
 * and the audit trail that records who did what, why and when — read back through the API with
 * its permissions, filters and paging.
 */
import { strict as assert } from 'node:assert';
import { QUEUE_DEFAULTS, newKazooId, type QueueDoc } from '@qubicle/contracts';
import { EventLog, busClient, callOf } from '../support/events.js';
import type { System } from '../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../support/tenant.js';

describe('e2e: Idempotency-Key, If-Match, supervisor actions and the audit trail', function () {
  this.timeout(30_000);
  let sys: System;
  let t: Tenant;
  let events: EventLog;

  before(async () => {
    sys = await sharedSystem();
    t = await newTenant(sys, 'audit');
    events = await EventLog.start(sys.serviceBus, [`qubicle.recipient.${t.accountId}.*.*`]);
  });
  after(async () => events?.stop());

  const post = (id: string, data: object, headers: Record<string, string> = {}, token = t.adminToken) =>
    sys.api('POST', `${t.base}/${id}/status`, { data }, token, headers);
  const audit = (path: string, token = t.adminToken) => sys.api('GET', `${t.base}/${path}`, undefined, token);

  it('a retried login with the same Idempotency-Key is answered the same and applied once (one create event)', async () => {
    const r = await t.addRecipient();
    const key = `login-${newKazooId()}`;
    const first = await post(r, { status: 'login' }, { 'Idempotency-Key': key });
    assert.equal(first.status, 200, first.text);
    const from = events.events.length;
    const again = await post(r, { status: 'login' }, { 'Idempotency-Key': key });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body.data, first.body.data, 'the same answer');
    // a later change's event, then: the retry emitted nothing in between
    await post(r, { status: 'ready' });
    await events.waitFor((e) => e.recipient_id === r && e.event === 'ready', 'ready', 5_000, from);
    assert.equal(events.events.filter((e) => e.recipient_id === r && e.event === 'create').length, 1, 'one create event');
    assert.equal(events.events.slice(from).filter((e) => e.recipient_id === r && e.event !== 'ready').length, 0);
    // the same key with another body: 422, nothing changed
    const other = await post(r, { status: 'away' }, { 'Idempotency-Key': key });
    assert.equal(other.status, 422, other.text);
    assert.equal(other.body.data.code, 'idempotency_key_reused');
    assert.equal((await t.status(r)).availability_state, 'Ready');
  });

  it('the same key of another user is another command; a bad key is a 400 naming the header', async () => {
    const agent = await t.addUser({ first_name: 'Key', last_name: 'Owner' });
    const key = `k-${newKazooId()}`;
    assert.equal((await post(agent.id, { status: 'login' }, { 'Idempotency-Key': key }, agent.token)).status, 200);
    // the admin logs them out with the SAME key: not a duplicate of the agent's login
    const out = await post(agent.id, { status: 'logout' }, { 'Idempotency-Key': key });
    assert.equal(out.status, 200, out.text);
    assert.equal((await t.status(agent.id)).availability_state, 'Not-Logged-In');
    const bad = await post(agent.id, { status: 'login' }, { 'Idempotency-Key': 'a'.repeat(129) });
    assert.equal(bad.status, 400, bad.text);
    assert.ok(bad.body.data['Idempotency-Key'], bad.text);
    const badChars = await post(agent.id, { status: 'login' }, { 'Idempotency-Key': 'has "quotes", commas' });
    assert.equal(badChars.status, 400, badChars.text);
    assert.equal((await t.status(agent.id)).availability_state, 'Not-Logged-In', 'nothing applied');
  });

  it('a stale If-Match is a 409 with the current revision, nothing applied; the current one applies', async () => {
    const r = await t.addRecipient();
    await post(r, { status: 'login' });
    const s1 = await t.status(r);
    assert.ok(Number.isInteger(s1.revision) && s1.revision > 0, JSON.stringify(s1));
    assert.equal((await post(r, { status: 'ready' }, { 'If-Match': `"${s1.revision}"` })).status, 200);
    const s2 = await t.status(r);
    assert.ok(s2.revision > s1.revision);
    const stale = await post(r, { status: 'away' }, { 'If-Match': `W/"${s1.revision}"` });
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.body.data.code, 'conflict');
    assert.equal(stale.body.data.cause, String(s2.revision));
    assert.equal((await t.status(r)).availability_state, 'Ready', 'nothing applied');
    assert.equal((await t.status(r)).revision, s2.revision);
    const notANumber = await post(r, { status: 'away' }, { 'If-Match': '"1-abc"' });
    assert.equal(notANumber.status, 400, notANumber.text);
    assert.equal((await post(r, { status: 'away' }, { 'If-Match': String(s2.revision) })).status, 200);
  });

  it('a supervisor (admin) sets another recipient Ready with a reason: the audit entry names them and the reason', async () => {
    const agent = await t.addUser({ first_name: 'Super', last_name: 'Vised' });
    assert.equal((await post(agent.id, { status: 'login' }, {}, agent.token)).status, 200);
    const res = await post(agent.id, { status: 'ready', audit_reason: 'logged in but forgot to go ready' });
    assert.equal(res.status, 200, res.text);
    const page = await audit(`${agent.id}/audit`);
    assert.equal(page.status, 200, page.text);
    const [ready, create] = page.body.data as Array<Record<string, any>>;
    assert.equal(ready!.event, 'ready');
    assert.deepEqual(ready!.actor, { kind: 'user', id: t.adminId });
    assert.equal(ready!.reason, 'logged in but forgot to go ready');
    assert.equal(ready!.from, 'Away');
    assert.equal(ready!.to, 'Ready');
    assert.equal(create!.event, 'create');
    assert.deepEqual(create!.actor, { kind: 'user', id: agent.id }, 'the login was the agent\'s own');
    assert.equal(create!.from, 'Not-Logged-In');
    // a reason longer than the bound: 400, nothing applied
    const long = await post(agent.id, { status: 'away', audit_reason: 'x'.repeat(257) });
    assert.equal(long.status, 400, long.text);
    assert.equal((await t.status(agent.id)).availability_state, 'Ready');
  });

  it('a manager of a queue the recipient is on may act on them; a plain user may not (403), nor read another\'s audit', async () => {
    const agent = await t.addUser({ first_name: 'Queue', last_name: 'Member' });
    const manager = await t.addUser({ first_name: 'Queue', last_name: 'Manager' });
    const stranger = await t.addUser({ first_name: 'Just', last_name: 'Colleague' });
    const queue: QueueDoc = { ...QUEUE_DEFAULTS, id: newKazooId(), name: `audit-q-${Date.now()}` } as QueueDoc;
    await sys.store.createQueue(t.accountId, queue);
    await sys.store.setRoster(t.accountId, queue.id, [agent.id]);
    await sys.store.setQueueRoles(t.accountId, queue.id, { managers: [manager.id] });
    assert.equal((await post(agent.id, { status: 'login' }, {}, agent.token)).status, 200);

    const byStranger = await post(agent.id, { status: 'ready' }, {}, stranger.token);
    assert.equal(byStranger.status, 403, byStranger.text);
    const byManager = await post(agent.id, { status: 'ready', audit_reason: 'queue is overflowing' }, {}, manager.token);
    assert.equal(byManager.status, 200, byManager.text);
    assert.equal((await t.status(agent.id)).availability_state, 'Ready');
    // the bulk set too: the member yes, anyone else refuses the whole request
    const bulk = (data: object, token: string) => sys.api('POST', `${t.base}/status`, { data: { set_status: true, ...data } }, token);
    assert.equal((await bulk({ [agent.id]: { global: 'away' }, [stranger.id]: { global: 'login' } }, manager.token)).status, 403);
    assert.equal((await t.status(stranger.id)).availability_state, 'Not-Logged-In', 'nothing sent');
    const byManagerBulk = await bulk({ [agent.id]: { global: 'away' } }, manager.token);
    assert.equal(byManagerBulk.status, 200, byManagerBulk.text);
    assert.deepEqual(byManagerBulk.body.data, { [agent.id]: { global: 'ok' } });
    assert.equal((await post(agent.id, { status: 'ready', audit_reason: 'queue is overflowing' }, {}, manager.token)).status, 200);

    assert.equal((await audit(`${agent.id}/audit`, stranger.token)).status, 403);
    assert.equal((await audit('audit', stranger.token)).status, 403, 'the account-wide trail is admins\' only');
    const own = await audit(`${agent.id}/audit`, agent.token);
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(own.body.data[0].actor, { kind: 'user', id: manager.id });
    assert.equal(own.body.data[0].reason, 'queue is overflowing');

    // account-wide, filtered by actor: exactly the manager's change
    const byActor = await audit(`audit?actor=user:${manager.id}`);
    assert.equal(byActor.status, 200, byActor.text);
    assert.deepEqual(
      (byActor.body.data as Array<Record<string, any>>).map((e) => [e.recipient_id, e.event]),
      [
        [agent.id, 'ready'],
        [agent.id, 'away'],
        [agent.id, 'ready'],
      ],
    );
    assert.equal((await audit('audit?actor=nobody')).status, 400);
    assert.equal((await audit('audit?created_from=yesterday')).status, 400);
  });

  it('timers and the bus are actors too; the trail pages with start_key and filters by time', async () => {
    const client = busClient(sys, 'audit-queue');
    const A = t.accountId;
    const r = await t.addRecipient();
    const from = events.events.length;
    await client.login(A, r);
    await client.setStatus(A, r, 'ready');
    const call = callOf('a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8');
    await client.offer(A, r, { call, offer_timeout_seconds: 30, wrapup_seconds: 1 });
    await client.answer(A, r, call.session_id);
    await client.hangup(A, r, call.session_id);
    await events.waitFor((e) => e.recipient_id === r && e.event === 'wrapup_end', 'wrapup_end', 5_000, from);
    await events.waitFor((e) => e.recipient_id === r && e.event === 'ready' && e.seq > 0 && e.actor?.kind === 'timer', 'ready after wrap-up', 5_000, from);

    const all = await audit(`${r}/audit`);
    assert.equal(all.status, 200, all.text);
    const entries = all.body.data as Array<Record<string, any>>;
    const published = events.events.filter((e) => e.recipient_id === r);
    assert.deepEqual(entries.map((e) => e.seq), published.map((e) => e.seq).sort((a, b) => b - a), 'one entry per published event');
    const end = entries.find((e) => e.event === 'wrapup_end')!;
    assert.deepEqual(end.actor, { kind: 'timer', id: 'wrapup' });
    assert.equal(end.reason, 'timer');
    assert.equal(end.from, 'Wrapup-Time');
    assert.equal(end.to, 'Ready');
    const offer = entries.find((e) => e.event === 'offer')!;
    assert.deepEqual(offer.actor, { kind: 'bus', id: 'audit-queue' });
    assert.equal(offer.queue_id, call.queue_id);

    // pages of 3, no entry skipped or repeated
    const seen: number[] = [];
    let key: string | undefined;
    do {
      const page = await audit(`${r}/audit?page_size=3${key ? `&start_key=${encodeURIComponent(key)}` : ''}`);
      assert.equal(page.status, 200, page.text);
      seen.push(...(page.body.data as Array<{ seq: number }>).map((e) => e.seq));
      key = page.body.next_start_key;
    } while (key);
    assert.deepEqual(seen, entries.map((e) => e.seq));
    const future = Math.floor(Date.now() / 1000) + 3600;
    const none = await audit(`${r}/audit?created_from=${future}`);
    assert.deepEqual(none.body.data, []);
    assert.equal((await audit(`${r}/audit?created_from=${future}&created_to=${future - 10}`)).status, 400);
  });
});
