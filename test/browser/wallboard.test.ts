/**
 * The wallboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core; no
 * browser download) against a real gateway + worker over the real RabbitMQ: sign in, watch a
 * recipient go Ready → Call-Offer → On-A-Call → Wrapup-Time as bus commands drive a call, press
 * supervisor actions and see them take effect, watch a queue panel count a caller who waits (a
 * KAZOO session joined on the bus) until a supervisor removes it, and take the screenshot the README shows
 * (docs/img/wallboard.png: written when WALLBOARD_SCREENSHOT=1 or when it is missing, so that a
 * test run does not leave the work tree dirty; refresh it with
 * `WALLBOARD_SCREENSHOT=1 npm test -- test/browser/wallboard.test.ts`).
 * Waits are Playwright's DOM waits with timeouts, never sleeps.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Set
 * SKIP_BROWSER_TESTS=1 to skip these on a machine without it.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { QUEUE_SESSIONS_QUEUE, newKazooId, type CallInfo } from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { PASSWORD, startSystem, type System } from '../support/system.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/img/wallboard.png', import.meta.url));
const SCREENSHOT =
  process.env['WALLBOARD_SCREENSHOT'] === '1' || !existsSync(DOCS_SCREENSHOT) ? DOCS_SCREENSHOT : join(tmpdir(), 'qubicle-wallboard.png');
const QUEUE_SALES = 'c6564319c5996b0db6f4e53d69db79d8';
const QUEUE_SUPPORT = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b';
const WAIT = { timeout: 15_000 };

describe('browser: wallboard in headless Chromium', function () {
  this.timeout(120_000);
  let sys: System;
  let bus: RecipientBusClient;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const people: Record<string, string> = {};
  const pageErrors: string[] = [];

  const card = (id: string) => `[data-recipient-id="${id}"]`;
  const inState = (id: string, state: string) => page.waitForSelector(`${card(id)}[data-state="${state}"]`, WAIT);
  const setStatus = async (id: string, status: string) => {
    const res = await sys.api('POST', `/v2/accounts/${sys.accountId}/qubicle_recipients/${id}/status`, { data: { status } }, sys.adminToken);
    assert.equal(res.status, 200, `${status} ${id}: ${res.text}`);
  };
  const callInfo = (queue: string, name: string, number: string): CallInfo => ({
    queue_id: queue,
    session_id: `call-${newKazooId()}`,
    caller_id_name: name,
    caller_id_number: number,
    queue_enter_time: Math.floor(Date.now() / 1000) - 42,
  });
  const offer = async (id: string, call: CallInfo, wrapup = 30) => {
    const r = await bus.offer(sys.accountId, id, { call, offer_timeout_seconds: 600, wrapup_seconds: wrapup });
    assert.deepEqual(r, { accepted: true });
  };
  /** A queue through the API, with its roster. */
  const createQueue = async (name: string, roster: string[]) => {
    const created = await sys.api('PUT', `/v2/accounts/${sys.accountId}/qubicle_queues`, { data: { name, ring_timeout: 20, agent_wrapup_time: 0 } }, sys.adminToken);
    assert.equal(created.status, 201, created.text);
    const id: string = created.body.data.id;
    if (roster.length > 0) {
      const res = await sys.api('POST', `/v2/accounts/${sys.accountId}/qubicle_queues/${id}/recipients`, { data: roster }, sys.adminToken);
      assert.equal(res.status, 200, res.text);
    }
    return id;
  };
  // KAZOO's callflow: create_session, then join_queue (as test/e2e/queues-process.test.ts)
  const kazoo = (body: Record<string, unknown>) =>
    sys.serviceBus.call(QUEUE_SESSIONS_QUEUE, { 'App-Name': 'callflow', 'Msg-ID': newKazooId(), 'Account-ID': sys.accountId, ...body }, { timeoutMs: 10_000 });
  const caller = async (queueId: string, name: string) => {
    const callId = `wallboard-${newKazooId()}`;
    const call = { 'Call-ID': callId, 'Caller-ID-Name': name, 'Caller-ID-Number': '+15550003' };
    const session = (await kazoo({ Call: call, 'Call-ID': callId, 'Session-Type': 'callflow' })) as { Result: string; 'Session-ID': string };
    assert.equal(session.Result, 'ok', JSON.stringify(session));
    const joined = (await kazoo({ Call: call, 'Call-ID': callId, 'Join-Queue-ID': queueId, 'Session-ID': session['Session-ID'] })) as { Result: string };
    assert.equal(joined.Result, 'ok', JSON.stringify(joined));
    return { call, callId, sessionId: session['Session-ID'] };
  };
  /** A whole call: offered, answered, hung up, wrap-up ended. */
  const handledCall = async (id: string, call: CallInfo) => {
    await offer(id, call);
    await bus.answer(sys.accountId, id, call.session_id);
    await bus.hangup(sys.accountId, id, call.session_id);
    await bus.wrapupCancel(sys.accountId, id);
  };

  before(async function () {
    // A missing browser fails loudly (.ci/run installs it): these tests are never skipped.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`);
    sys = await startSystem({ shardCount: 4 });
    bus = new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, service: 'browser-test', timeoutMs: 5000 });
    for (const [first, last] of [
      ['Ava', 'Martin'],
      ['Ben', 'Okafor'],
      ['Chloé', 'Dubois'],
      ['Diego', 'Ruiz'],
      ['Emma', 'Schultz'],
      ['Farid', 'Haddad'],
    ] as const) {
      people[first] = (await sys.createUser({ first_name: first, last_name: last })).id;
    }
    // an away reason of the account's catalogue, which the board offers in its action dialog
    const coaching = await sys.api('PUT', `/v2/accounts/${sys.accountId}/qubicle_away_reasons`, { data: { name: 'coaching', label: 'Coaching', productive: true } }, sys.adminToken);
    assert.equal(coaching.status, 201, coaching.text);
    profile = mkdtempSync(join(tmpdir(), 'qubicle-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1920, height: 1080 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) pageErrors.push(msg.text());
    });
  });

  afterEach(() => {
    assert.deepEqual(pageErrors.splice(0), [], 'no error in the page');
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    if (profile) rmSync(profile, { recursive: true, force: true });
    await sys?.stop();
  });

  it('refuses a wrong password with a clear message', async () => {
    await page.goto(`${sys.url}/wallboard`);
    await page.fill('#account', 'demo');
    await page.fill('#username', 'admin');
    await page.fill('#password', 'not-the-password');
    await page.click('#signin-submit');
    await page.waitForSelector('#signin-error:has-text("Wrong account name, username or password")', WAIT);
    assert.equal(await page.isVisible('#board'), false);
  });

  it('signs in and shows a live grid of the account’s recipients', async () => {
    await page.fill('#password', PASSWORD);
    await page.click('#signin-submit');
    await page.waitForSelector('#connection[data-connection="live"]', WAIT);
    for (const id of Object.values(people)) await inState(id, 'Not-Logged-In');
    assert.equal(await page.textContent(`${card(people['Ava']!)} .name`), 'Ava Martin');
    await page.waitForSelector('.counter[data-state="Not-Logged-In"][data-count="10"]', WAIT);
  });

  it('follows a call driven over the bus: Ready → Call-Offer → On-A-Call → Wrapup-Time', async () => {
    const ava = people['Ava']!;
    await setStatus(ava, 'login');
    await inState(ava, 'Away');
    await setStatus(ava, 'ready');
    await inState(ava, 'Ready');

    const call = callInfo(QUEUE_SALES, 'Carol Caller', '+1 555 0100');
    await offer(ava, call, 120);
    await inState(ava, 'Call-Offer');
    await page.waitForSelector(`${card(ava)} .caller:has-text("Carol Caller · +1 555 0100")`, WAIT);
    await page.waitForSelector(`${card(ava)} .call-kind:has-text("Offered")`, WAIT);

    await bus.answer(sys.accountId, ava, call.session_id);
    await inState(ava, 'On-A-Call');
    await page.waitForSelector(`${card(ava)} .call-kind:has-text("Talking to")`, WAIT);
    await page.waitForSelector(`${card(ava)} .stats b:has-text("1")`, WAIT); // handled 1

    await bus.hangup(sys.accountId, ava, call.session_id);
    await inState(ava, 'Wrapup-Time');
    await page.waitForSelector(`${card(ava)} .wrap-text:has-text("left")`, WAIT);
    const left = await page.textContent(`${card(ava)} .wrap-text`);
    assert.match(left ?? '', /Wrap-up [12]:\d\d left/);
  });

  it('a busy floor, on a wall screen, its queue panels on top (screenshot for the README)', async () => {
    const { Ben, Chloé, Diego, Emma, Farid } = people as Record<string, string>;
    // two queues whose members are not free (Farid stays Away): their callers wait
    const sales = await createQueue('Sales', [Farid!]);
    const support = await createQueue('Support', [Farid!]);
    for (const id of [Ben!, Chloé!, Diego!, Emma!, Farid!]) await setStatus(id, 'login');
    for (const id of [Ben!, Chloé!, Diego!, Emma!]) await setStatus(id, 'ready');
    await handledCall(Diego!, callInfo(QUEUE_SUPPORT, 'Mona Patel', '+1 555 0142'));
    await handledCall(Diego!, callInfo(QUEUE_SALES, 'Jonas Berg', '+46 8 555 0199'));
    await handledCall(Emma!, callInfo(QUEUE_SUPPORT, 'Li Wei', '+86 10 5555 0110'));
    const missed = callInfo(QUEUE_SALES, 'Rita Gomez', '+34 91 555 0123');
    await offer(Emma!, missed);
    await bus.reject(sys.accountId, Emma!, missed.session_id);
    await handledCall(Ben!, callInfo(QUEUE_SALES, 'Paul Meyer', '+49 30 5550 1234'));
    const benCall = callInfo(QUEUE_SUPPORT, 'Sara Jones', '+44 20 7946 0958');
    await offer(Ben!, benCall);
    await bus.answer(sys.accountId, Ben!, benCall.session_id);
    await setStatus(Ben!, 'away'); // deferred: shown as next state
    await offer(Chloé!, callInfo(QUEUE_SALES, 'Tom Baker', '+1 555 0177'));

    await inState(Ben!, 'On-A-Call');
    await page.waitForSelector(`${card(Ben!)} .next:has-text("Next: Away")`, WAIT);
    await inState(Chloé!, 'Call-Offer');
    await inState(Diego!, 'Ready');
    await page.waitForSelector(`${card(Diego!)} .stats b:has-text("2")`, WAIT);
    await inState(Emma!, 'Ready');
    await inState(Farid!, 'Away');
    await inState(people['Ava']!, 'Wrapup-Time');
    await page.waitForSelector('.counter[data-state="On-A-Call"][data-count="1"]', WAIT);
    await page.waitForSelector('#total-handled:has-text("6")', WAIT);
    await caller(sales, 'Nina Rossi');
    await caller(sales, 'Omar Haddad');
    await caller(support, 'Kim Lee');
    const figure = (q: string, name: string) => `[data-queue-id="${q}"] [data-figure="${name}"] b`;
    await page.waitForSelector(`${figure(sales, 'waiting')}[data-value="2"]`, WAIT);
    await page.waitForSelector(`${figure(support, 'waiting')}[data-value="1"]`, WAIT);
    await page.waitForSelector(`${figure(sales, 'longest')}:not(:has-text("—"))`, WAIT);
    assert.equal(await page.textContent(`[data-queue-id="${sales}"] .name`), 'Sales');

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, animations: 'disabled' });
    assert.ok(statSync(SCREENSHOT).size > 20_000, 'a real picture');
  });

  /** A supervisor's action on a card: the dialog asks why (and, for an away, which reason and how long). */
  const supervise = async (id: string, action: string, why: string, away: { reason?: string; minutes?: number } = {}) => {
    await page.click(`${card(id)} [data-action="${action}"]`);
    await page.waitForSelector('#act-dialog[open]', WAIT);
    if (away.reason !== undefined) await page.selectOption('#act-away-reason', away.reason);
    if (away.minutes !== undefined) await page.fill('#act-duration', String(away.minutes));
    await page.fill('#act-audit', why);
    await page.click('#act-ok');
    await page.waitForSelector('#act-dialog:not([open])', { state: 'attached', ...WAIT });
  };
  const auditOf = async (id: string) => {
    const res = await sys.api('GET', `/v2/accounts/${sys.accountId}/qubicle_recipients/${id}/audit`, undefined, sys.adminToken);
    assert.equal(res.status, 200, res.text);
    return res.body.data as Array<{ actor: { kind: string; id: string }; reason?: string; to?: string }>;
  };

  it('a supervisor ends a wrap-up and sends an agent away from the board, saying why (the audit trail keeps it)', async () => {
    const ava = people['Ava']!;
    await supervise(ava, 'wrapup_cancel', 'queue is overflowing');
    await inState(ava, 'Ready');
    await page.waitForSelector(`${card(ava)} .wrap`, { state: 'hidden', ...WAIT });
    assert.deepEqual([(await auditOf(ava))[0]?.actor, (await auditOf(ava))[0]?.reason], [{ kind: 'user', id: sys.adminId }, 'queue is overflowing']);

    const diego = people['Diego']!;
    // the dialog refuses an empty why, and Cancel sends nothing
    await page.click(`${card(diego)} [data-action="away"]`);
    await page.waitForSelector('#act-dialog[open]', WAIT);
    await page.click('#act-ok');
    await page.waitForSelector('#act-error:has-text("Say why")', WAIT);
    await page.click('#act-cancel');
    await page.waitForSelector('#act-dialog:not([open])', { state: 'attached', ...WAIT });
    assert.notEqual((await sys.api('GET', `/v2/accounts/${sys.accountId}/qubicle_recipients/${diego}/status`, undefined, sys.adminToken)).body.data.availability_state, 'Away', 'cancelled: nothing sent');

    await supervise(diego, 'away', 'coaching session', { reason: 'coaching' });
    await inState(diego, 'Away');
    const res = await sys.api('GET', `/v2/accounts/${sys.accountId}/qubicle_recipients/${diego}/status`, undefined, sys.adminToken);
    assert.equal(res.body.data.availability_state, 'Away', 'the action really went through the API');
    assert.equal(res.body.data.away_reason, 'coaching', 'with the reason chosen in the dialog');
    await page.waitForSelector(`${card(diego)} .away-reason:has-text("Coaching")`, WAIT);
    const entry = (await auditOf(diego))[0]!;
    assert.deepEqual([entry.actor, entry.reason], [{ kind: 'user', id: sys.adminId }, 'coaching session']);

    const farid = people['Farid']!;
    await supervise(farid, 'logout', 'end of shift');
    await inState(farid, 'Not-Logged-In');
    await supervise(farid, 'login', 'covering the late shift');
    await inState(farid, 'Away');
  });

  it('a reload keeps the session and rebuilds the board from a fresh snapshot', async () => {
    await page.reload();
    await page.waitForSelector('#connection[data-connection="live"]', WAIT);
    await inState(people['Ava']!, 'Ready');
    await inState(people['Ben']!, 'On-A-Call');
    await inState(people['Chloé']!, 'Call-Offer');
    await inState(people['Diego']!, 'Away');
    await page.waitForSelector('#total-handled:has-text("6")', WAIT);
  });

  it('a queue panel: a caller joins (1 waiting, its wait ticking, nobody available), a supervisor removes it (0 waiting); a caller answered (0 waiting, 100 % service level)', async () => {
    const farid = people['Farid']!; // Away since the last test: the caller waits
    const created = await sys.api('PUT', `/v2/accounts/${sys.accountId}/qubicle_queues`, { data: { name: 'Wallboard Line', ring_timeout: 20, agent_wrapup_time: 0 } }, sys.adminToken);
    assert.equal(created.status, 201, created.text);
    const Q: string = created.body.data.id;
    const roster = await sys.api('POST', `/v2/accounts/${sys.accountId}/qubicle_queues/${Q}/recipients`, { data: [farid] }, sys.adminToken);
    assert.equal(roster.status, 200, roster.text);
    // the page learnt of the queue from its `create` event alone: no reload
    const panel = `[data-queue-id="${Q}"]`;
    const figure = (name: string) => `${panel} [data-figure="${name}"] b`;
    await page.waitForSelector(`${panel} .name:has-text("Wallboard Line")`, WAIT);
    await page.waitForSelector(`${figure('waiting')}[data-value="0"]`, WAIT);
    assert.equal(await page.textContent(figure('longest')), '—');

    const { call, callId, sessionId } = await caller(Q, 'Wall Caller');

    await page.waitForSelector(`${figure('waiting')}[data-value="1"]`, WAIT);
    await page.waitForSelector(`${panel}.busy`, WAIT);
    assert.match((await page.textContent(figure('longest'))) ?? '', /^\d+:\d\d$/, 'the longest wait is a duration');
    assert.equal(await page.getAttribute(figure('available'), 'data-value'), '0', 'Farid is Away');
    assert.equal(await page.textContent(figure('service_level')), '—', 'no caller answered yet: no service level');

    const removed = await sys.api('POST', `/v2/accounts/${sys.accountId}/qubicle_queues/${Q}/sessions/${sessionId}`, { data: { action: 'remove' } }, sys.adminToken);
    assert.equal(removed.status, 200, removed.text);
    await page.waitForSelector(`${figure('waiting')}[data-value="0"]`, WAIT);
    await page.waitForSelector(`${figure('longest')}:has-text("—")`, WAIT);
    assert.equal(await page.isVisible(`${panel}.busy`), false);
    await kazoo({ Call: call, 'Call-ID': callId }); // the caller hangs up: the session ends

    // a Ready member on the roster: the next caller is offered to her and answered
    const emma = people['Emma']!;
    const both = await sys.api('POST', `/v2/accounts/${sys.accountId}/qubicle_queues/${Q}/recipients`, { data: [farid, emma] }, sys.adminToken);
    assert.equal(both.status, 200, both.text);
    const answered = await caller(Q, 'Quick Caller');
    await inState(emma, 'Call-Offer');
    await bus.answer(sys.accountId, emma, answered.sessionId);
    await inState(emma, 'On-A-Call');
    await page.waitForSelector(`${figure('waiting')}[data-value="0"]`, WAIT);
    await page.waitForSelector(`${figure('service_level')}:has-text("100%")`, WAIT);
    await page.waitForSelector(`${figure('available')}[data-value="0"]`, WAIT);
    // her call ends: Ready again, a recipient event (no queue event), yet the panel counts her available
    await bus.hangup(sys.accountId, emma, answered.sessionId);
    await inState(emma, 'Ready'); // the queue's agent_wrapup_time is 0
    await page.waitForSelector(`${figure('available')}[data-value="1"]`, WAIT);

    // a reload rebuilds the panel from its snapshot entry on the websocket (status and callers at its seq)
    await page.reload();
    await page.waitForSelector('#connection[data-connection="live"]', WAIT);
    await page.waitForSelector(`${panel} .name:has-text("Wallboard Line")`, WAIT);
    await page.waitForSelector(`${figure('waiting')}[data-value="0"]`, WAIT);
    await page.waitForSelector(`${figure('service_level')}:has-text("100%")`, WAIT);
    await inState(farid, 'Away');
  });

  it('an agent on a timed break: the card shows the reason, since when, and the time left', async () => {
    const diego = people['Diego']!; // Away since the supervisor test
    const res = await sys.api(
      'POST',
      `/v2/accounts/${sys.accountId}/qubicle_recipients/${diego}/status`,
      { data: { status: 'away', reason: 'missed_calls', duration_seconds: 600 } },
      sys.adminToken,
    );
    assert.equal(res.status, 200, res.text);
    await page.waitForSelector(`${card(diego)} .away-reason:has-text("Missed calls since")`, WAIT);
    await page.waitForSelector(`${card(diego)} .away-left:has-text("left")`, WAIT);
    assert.match((await page.textContent(`${card(diego)} .away-left`)) ?? '', /(9|10):\d\d left/);
    await setStatus(diego, 'ready');
    await inState(diego, 'Ready');
    assert.equal(await page.isVisible(`${card(diego)} .away`), false, 'no reason once Ready');
  });
});
