/**
 * The supervisor wallboard: sign in (KAZOO user_auth), then a live grid of the account's
 * recipients fed by the event websocket, above it a panel per queue (queues.js). Admins (and each user on their own card) get the
 * actions ready / away / end wrap-up / log out (log in when logged out), through the REST API.
 */
import { ApiError, createApi, signIn, tokenExpiry } from './api.js';
import { LiveClient } from './live.js';
import { QueuePanels, isQueueEvent } from './queues.js';
import { askAction, needsDialog } from './action-dialog.js';

const STATES = ['Ready', 'Call-Offer', 'On-A-Call', 'Wrapup-Time', 'Away', 'Not-Logged-In'];
const LABELS = {
  Ready: 'Ready',
  'Call-Offer': 'Call offer',
  'On-A-Call': 'On a call',
  'Wrapup-Time': 'Wrap-up',
  Away: 'Away',
  'Not-Logged-In': 'Logged out',
};
const NEXT_LABELS = { Ready: 'Ready', Away: 'Away', 'Not-Logged-In': 'Log out' };
const SESSION_KEY = 'qubicle.wallboard.session';
const NOT_LOGGED_IN = { available: false, availability_state: 'Not-Logged-In' };

const $ = (id) => document.getElementById(id);

/** Builds an element: el('div', {class: 'x', 'data-y': 1}, child, 'text'). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) node.append(c);
  return node;
}

function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function toast(text, kind = 'info') {
  const t = el('div', { class: `toast ${kind}`, text });
  $('toasts').append(t);
  setTimeout(() => t.remove(), 6000);
}

// ---- session -----------------------------------------------------------------------------------

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    if (s && typeof s.token === 'string' && tokenExpiry(s.token) > Date.now() + 5_000) return s;
  } catch {
    /* ignore */
  }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

function showSignIn(message = '') {
  $('board').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message;
  ($('account').value ? $('username').value ? $('password') : $('username') : $('account')).focus();
}

async function onSignIn(e) {
  e.preventDefault();
  const button = $('signin-submit');
  const account = $('account').value;
  const username = $('username').value;
  const password = $('password').value;
  if (!account.trim() || !username.trim() || !password) {
    $('signin-error').textContent = 'Account name, username and password are all needed.';
    return;
  }
  button.disabled = true;
  $('signin-error').textContent = '';
  try {
    const session = await signIn(account, username, password);
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    $('password').value = '';
    startBoard(session);
  } catch (err) {
    $('signin-error').textContent =
      err instanceof ApiError && err.status === 401 ? 'Wrong account name, username or password.' : `Could not sign in: ${err.message}`;
  } finally {
    button.disabled = false;
  }
}

// ---- the board ---------------------------------------------------------------------------------

class Board {
  constructor(session) {
    this.session = session;
    this.api = createApi(session);
    /** id → recipient view model */
    this.recipients = new Map();
    /** away reason name → its label (the account's catalogue; the name until it is read) */
    this.reasonLabels = new Map();
    /** ids given a snapshot entry in the current snapshot round */
    this.round = new Set();
    /** server ms - local ms (from event timestamps) */
    this.offset = 0;
    this.offsetSamples = [];
    this.listTimer = undefined;
    this.ticker = undefined;
    this.queues = new QueuePanels({
      api: this.api,
      container: $('queues'),
      el,
      now: () => this.serverNow(),
      onError: (err) => this.queueError(err),
    });
    this.live = new LiveClient({
      token: session.token,
      accountId: session.accountId,
      bindings: ['qubicle.recipient.*', 'qubicle.queue.*'],
      onMessage: (msg) => this.onMessage(msg),
      onState: (state, detail) => this.onConnection(state, detail),
      onExpired: (why) => this.expire(why),
    });
  }

  async start() {
    $('account-name').textContent = this.session.accountName;
    $('user').textContent = this.session.username;
    $('user').title = this.session.privLevel === 'admin' ? 'admin: actions on every recipient' : 'actions on your own recipient only';
    $('signin').hidden = true;
    $('board').hidden = false;
    this.renderCounters();
    try {
      await this.loadList();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return this.expire('Your session is no longer valid: please sign in again.');
      toast(`Could not list the recipients: ${err.message}`, 'error');
    }
    void this.queues.start();
    this.live.start();
    this.ticker = setInterval(() => this.tick(), 1000);
    this.tick();
  }

  stop() {
    this.live.stop();
    clearInterval(this.ticker);
    clearTimeout(this.listTimer);
    this.queues.stop();
    $('grid').replaceChildren();
    this.recipients.clear();
  }

  expire(why) {
    this.stop();
    sessionStorage.removeItem(SESSION_KEY);
    board = undefined;
    showSignIn(why);
  }

  serverNow() {
    return Date.now() + this.offset;
  }

  async loadList() {
    // the labels of the away reasons shown on the cards; a board without them shows the names
    this.api.listAwayReasons().then(
      (reasons) => {
        for (const { name, label } of reasons) this.reasonLabels.set(name, label);
        for (const r of this.recipients.values()) if (r.status.away_reason) this.update(r);
      },
      () => undefined,
    );
    const list = await this.api.listRecipients();
    for (const { id, name } of list) {
      const r = this.recipients.get(id);
      if (r) {
        r.name = name;
        r.refs.name.textContent = name;
      } else this.add(id, name);
    }
    $('empty').hidden = this.recipients.size > 0;
    this.reorder();
  }

  queueError(err) {
    if (err instanceof ApiError && err.status === 401) return this.expire('Your session is no longer valid: please sign in again.');
    // a user who may not read the account's queues sees the recipients only
    if (err instanceof ApiError && err.status === 403) return;
    toast(`Could not load the queues: ${err.message}`, 'error');
  }

  /** An id we did not know (a recipient created meanwhile): list again, soon. */
  refreshListSoon() {
    clearTimeout(this.listTimer);
    this.listTimer = setTimeout(() => this.loadList().catch(() => undefined), 1000);
  }

  add(id, name) {
    const r = { id, name, status: { ...NOT_LOGGED_IN }, seq: 0, since: undefined, wrapupEndsAt: 0, lastEvent: undefined, refs: {} };
    r.refs = this.buildCard(r);
    this.recipients.set(id, r);
    $('grid').append(r.refs.card);
    this.update(r);
    return r;
  }

  canAct(id) {
    return this.session.privLevel === 'admin' || this.session.ownerId === id;
  }

  buildCard(r) {
    const refs = {};
    refs.name = el('h2', { class: 'name', text: r.name });
    refs.state = el('span', { class: 'state' });
    refs.timer = el('div', { class: 'timer', title: 'time in state' });
    refs.timerLabel = el('div', { class: 'timer-label', text: 'in state' });
    refs.call = el('div', { class: 'call', hidden: true });
    refs.wrapText = el('span', { class: 'wrap-text' });
    refs.wrapFill = el('i');
    refs.wrap = el('div', { class: 'wrap', hidden: true }, refs.wrapText, el('div', { class: 'wrapbar' }, refs.wrapFill));
    refs.next = el('div', { class: 'next', hidden: true });
    // why the agent is Away, since when, and what is left of a timed break (counts down in tickOne)
    refs.awayReason = el('span', { class: 'away-reason' });
    refs.awayLeft = el('span', { class: 'away-left' });
    refs.away = el('div', { class: 'away', hidden: true }, refs.awayReason, refs.awayLeft);
    refs.handled = el('b', { text: '0' });
    refs.missed = el('b', { text: '0' });
    refs.avg = el('b', { text: '0:00' });
    const stats = el(
      'div',
      { class: 'stats' },
      el('span', {}, 'Handled ', refs.handled),
      el('span', {}, 'Missed ', refs.missed),
      el('span', {}, 'Avg ', refs.avg),
    );
    const card = el(
      'article',
      { class: 'card', 'data-recipient-id': r.id, 'data-state': 'Not-Logged-In' },
      el('div', { class: 'card-head' }, refs.name, refs.state),
      el('div', { class: 'card-time' }, refs.timer, refs.timerLabel),
      refs.call,
      refs.wrap,
      refs.away,
      refs.next,
      stats,
    );
    if (this.canAct(r.id)) {
      refs.actions = el('div', { class: 'actions' });
      const button = (action, label) => {
        const b = el('button', { type: 'button', class: `act act-${action}`, 'data-action': action, text: label });
        b.addEventListener('click', () => this.act(r, action, b));
        refs.actions.append(b);
        return b;
      };
      refs.buttons = {
        login: button('login', 'Log in'),
        ready: button('ready', 'Ready'),
        away: button('away', 'Away'),
        wrapup_cancel: button('wrapup_cancel', 'End wrap-up'),
        logout: button('logout', 'Log out'),
      };
      card.append(refs.actions);
    }
    refs.card = card;
    return refs;
  }

  async act(r, action, button) {
    // a supervisor's action (on someone else) says why; an away says which reason and for how long
    const supervising = r.id !== this.session.ownerId;
    let extra = {};
    if (needsDialog(action, supervising)) {
      const reasons = [...this.reasonLabels].map(([name, label]) => ({ name, label }));
      const chosen = await askAction({ name: r.name, action, label: button.textContent, supervising, reasons });
      if (chosen === null) return;
      extra = chosen;
    }
    const buttons = Object.values(r.refs.buttons ?? {});
    for (const b of buttons) b.disabled = true;
    button.classList.add('busy');
    try {
      if (action === 'wrapup_cancel') await this.api.action(r.id, 'wrapup_cancel', extra);
      else await this.api.setStatus(r.id, action, extra);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return this.expire('Your session expired: please sign in again.');
      toast(`${r.name}: ${err.message}`, 'error');
    } finally {
      button.classList.remove('busy');
      this.update(r);
    }
  }

  // ---- websocket messages ----------------------------------------------------------------------

  onConnection(state, detail) {
    const c = $('connection');
    c.dataset.connection = state;
    c.textContent = { connecting: 'Connecting…', syncing: 'Syncing…', live: 'Live', reconnecting: 'Reconnecting…', error: 'Error' }[state] ?? state;
    c.title = detail ?? '';
    if (state === 'syncing') this.round = new Set();
    if (state === 'error' && detail) toast(detail, 'error');
  }

  sampleClock(ts) {
    if (typeof ts !== 'number') return;
    this.offsetSamples.push(ts - Date.now());
    if (this.offsetSamples.length > 30) this.offsetSamples.shift();
    // transport delay only ever makes a sample smaller: the largest is the closest
    this.offset = Math.max(...this.offsetSamples);
  }

  onMessage(msg) {
    if (msg.action !== 'event' || !msg.data) return;
    if (isQueueEvent(msg)) return this.queues.onEvent(msg);
    const d = msg.data;
    if (msg.name === 'snapshot_complete') {
      this.queues.roundComplete(d);
      // whoever got neither a snapshot entry nor a replay is not logged in
      const resumed = new Set(d.resumed ?? []);
      for (const r of this.recipients.values()) {
        if (!this.round.has(r.id) && !resumed.has(r.id) && r.status.availability_state !== 'Not-Logged-In') {
          r.status = { ...NOT_LOGGED_IN };
          r.since = undefined;
          this.update(r, true);
        }
      }
      this.round = new Set();
      this.afterChange();
      return;
    }
    if (typeof d.recipient_id !== 'string' || !d.status) return;
    this.sampleClock(d.timestamp);
    let r = this.recipients.get(d.recipient_id);
    if (!r) {
      r = this.add(d.recipient_id, '…');
      this.refreshListSoon();
    }
    if (msg.name === 'snapshot') {
      this.round.add(r.id);
    } else if (d.seq <= r.seq) {
      return; // already applied
    }
    const before = r.status.availability_state;
    const wasOut = before === 'Not-Logged-In';
    r.seq = d.seq;
    r.status = d.status;
    r.lastEvent = msg.name;
    if (d.status.availability_state === 'Not-Logged-In') r.since = msg.name === 'delete' ? d.timestamp : undefined;
    else r.since = (d.status.stats?.last_action_time ?? 0) * 1000;
    const wrapMs = (d.status.wrapup_time_seconds ?? 0) * 1000;
    r.wrapupEndsAt = d.status.availability_state === 'Wrapup-Time' ? d.timestamp + wrapMs : 0;
    // the full wrap-up length (for the bar): known when it starts or is extended
    if (d.status.availability_state !== 'Wrapup-Time') r.wrapTotal = 0;
    else if (before !== 'Wrapup-Time' || msg.name === 'wrapup') r.wrapTotal = wrapMs;
    else r.wrapTotal = Math.max(r.wrapTotal ?? 0, wrapMs);
    if (msg.name === 'delete' && d.final_stats) r.lastStats = d.final_stats;
    this.update(r, msg.name !== 'snapshot');
    if (msg.name !== 'snapshot' && before !== d.status.availability_state) this.queues.memberChanged();
    if (wasOut !== (d.status.availability_state === 'Not-Logged-In')) this.reorder();
    this.afterChange();
  }

  afterChange() {
    if (this.countersPending) return;
    this.countersPending = true;
    requestAnimationFrame(() => {
      this.countersPending = false;
      this.renderCounters();
    });
  }

  // ---- rendering -------------------------------------------------------------------------------

  update(r, flash = false) {
    const s = r.status;
    const state = s.availability_state;
    const { refs } = r;
    refs.card.dataset.state = state;
    refs.card.classList.toggle('out', state === 'Not-Logged-In');
    refs.state.textContent = LABELS[state] ?? state;

    const call = s.offered_call ?? s.handling_call;
    refs.call.hidden = !call;
    if (call) {
      const who = [call.caller_id_name, call.caller_id_number].filter(Boolean).join(' · ') || 'unknown caller';
      refs.call.replaceChildren(
        el('span', { class: 'call-kind', text: s.offered_call ? 'Offered' : 'Talking to' }),
        el('span', { class: 'caller', text: who }),
        el('span', { class: 'queue', text: `queue ${call.queue_id.slice(0, 8)}`, title: call.queue_id }),
      );
    }
    refs.wrap.hidden = state !== 'Wrapup-Time';
    const away = state === 'Away' && (s.away_reason || s.away_until);
    refs.away.hidden = !away;
    if (away) {
      const since = s.away_since ? ` since ${new Date(s.away_since * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}` : '';
      const label = s.away_reason ? (this.reasonLabels.get(s.away_reason) ?? s.away_reason.replace(/_/g, ' ')) : 'Break';
      refs.awayReason.textContent = `${label}${since}`;
    }
    refs.next.hidden = !s.next_state;
    if (s.next_state) refs.next.textContent = `Next: ${NEXT_LABELS[s.next_state] ?? s.next_state}`;

    const stats = s.stats ?? r.lastStats;
    refs.handled.textContent = String(stats?.total_calls ?? 0);
    refs.missed.textContent = String(stats?.missed_calls ?? 0);
    refs.avg.textContent = duration((stats?.avg_call_time ?? 0) * 1000);
    refs.card.classList.toggle('stale-stats', !s.stats);

    if (refs.buttons) {
      const loggedIn = state !== 'Not-Logged-In';
      const show = (b, visible, enabled = visible) => {
        b.hidden = !visible;
        b.disabled = !enabled;
      };
      // only what makes sense now (on a call, ready/away/log out are deferred: shown as next state)
      show(refs.buttons.login, !loggedIn);
      show(refs.buttons.wrapup_cancel, state === 'Wrapup-Time');
      show(refs.buttons.ready, loggedIn && state !== 'Ready' && state !== 'Wrapup-Time' && s.next_state !== 'Ready');
      show(refs.buttons.away, loggedIn && state !== 'Away' && s.next_state !== 'Away');
      show(refs.buttons.logout, loggedIn && s.next_state !== 'Not-Logged-In');
    }
    this.tickOne(r);
    if (flash) {
      refs.card.classList.remove('flash');
      void refs.card.offsetWidth;
      refs.card.classList.add('flash');
    }
  }

  tickOne(r) {
    const now = this.serverNow();
    r.refs.timer.textContent = r.since ? duration(now - r.since) : '—';
    r.refs.timerLabel.textContent = r.status.availability_state === 'Not-Logged-In' ? (r.since ? 'since log out' : '') : 'in state';
    const until = r.status.availability_state === 'Away' ? r.status.away_until : undefined;
    r.refs.awayLeft.textContent = until ? ` · ${duration(until * 1000 - now)} left` : '';
    if (r.status.availability_state === 'Wrapup-Time') {
      const left = Math.max(0, r.wrapupEndsAt - now);
      r.refs.wrapText.textContent = `Wrap-up ${duration(left + 999)} left`;
      const total = Math.max(1, r.wrapTotal ?? 0, left);
      r.refs.wrapFill.style.width = `${Math.min(100, (left / total) * 100).toFixed(1)}%`;
    }
  }

  tick() {
    $('clock').textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    for (const r of this.recipients.values()) this.tickOne(r);
    this.queues.tick();
  }

  reorder() {
    const sorted = [...this.recipients.values()].sort((a, b) => {
      const ao = a.status.availability_state === 'Not-Logged-In' ? 1 : 0;
      const bo = b.status.availability_state === 'Not-Logged-In' ? 1 : 0;
      return ao - bo || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
    });
    const grid = $('grid');
    sorted.forEach((r, i) => {
      if (grid.children[i] !== r.refs.card) grid.insertBefore(r.refs.card, grid.children[i] ?? null);
    });
  }

  renderCounters() {
    const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
    let handled = 0;
    let missed = 0;
    for (const r of this.recipients.values()) {
      counts[r.status.availability_state] = (counts[r.status.availability_state] ?? 0) + 1;
      if (r.status.stats) {
        handled += r.status.stats.total_calls;
        missed += r.status.stats.missed_calls;
      }
    }
    $('counters').replaceChildren(
      ...STATES.map((s) =>
        el('span', { class: 'counter', 'data-state': s, 'data-count': counts[s] }, el('b', { text: String(counts[s]) }), el('span', { text: LABELS[s] })),
      ),
    );
    $('total-handled').textContent = String(handled);
    $('total-missed').textContent = String(missed);
  }
}

let board;

function startBoard(session) {
  board?.stop();
  board = new Board(session);
  void board.start();
}

function init() {
  $('signin-form').addEventListener('submit', onSignIn);
  $('signout').addEventListener('click', () => {
    board?.stop();
    board = undefined;
    sessionStorage.removeItem(SESSION_KEY);
    showSignIn('Signed out.');
  });
  $('fullscreen').addEventListener('click', () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void document.documentElement.requestFullscreen?.();
  });
  const params = new URLSearchParams(location.search);
  if (params.get('account')) $('account').value = params.get('account');
  const session = loadSession();
  if (session) startBoard(session);
  else showSignIn();
}

init();
