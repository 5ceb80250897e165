/**
 * The wallboard's queue panels: one per queue of the account, with callers waiting, the longest
 * wait, members available and the service level. Fed by the `qubicle.queue.*` subscription of the
 * websocket (docs/live.md): on (re)subscribe a `snapshot` entry per queue (its status and waiting
 * callers at its seq) or, after a reconnect, the events missed (live.js resumes from each queue's
 * last seq); then the queue events, which carry the queue's status after each change. The names
 * come from the queue list (GET …/qubicle_queues) on start and when an unknown queue shows up. A
 * member's state change is a recipient event, not a queue event: after one, the statuses (one GET
 * for all queues) are read again, at most once a second, so that "available" follows the members.
 *
 * Callers waiting, members available and the service level are the status's own figures
 * (`stats.active_session_count`, `available_recipient_count`, `service_level.day.sl_percent`), so
 * the panel always agrees with GET …/status. The status has no longest wait: it is computed here
 * from the callers' entry times (`entered_at` of the snapshot's `sessions`, then
 * `caller.queue_enter_time` of `join` events, removed on `leave`/`delivered`), ticking each second.
 */

const STATUS_AFTER_MEMBER_MS = 1_000;

/** @param {number} ms */
function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

function percent(p) {
  return typeof p === 'number' ? `${Math.round(p)}%` : '—';
}

/** A routing key of a queue event (recipient events are `qubicle.recipient.…`). */
export function isQueueEvent(msg) {
  return typeof msg.routing_key === 'string' && msg.routing_key.startsWith('qubicle.queue.');
}

export class QueuePanels {
  /**
   * @param {{api: any, container: HTMLElement, el: Function, now: () => number, onError: (err: any) => void}} opts
   */
  constructor(opts) {
    this.opts = opts;
    /** queue id → panel view model */
    this.queues = new Map();
    /** queue ids given a snapshot entry in the current snapshot round */
    this.round = new Set();
    this.loading = undefined;
    this.statusTimer = undefined;
  }

  start() {
    return this.load();
  }

  stop() {
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    this.queues.clear();
    this.opts.container.replaceChildren();
    this.opts.container.hidden = true;
  }

  /** The queue list (the names); one load at a time. */
  load() {
    if (!this.loading) {
      this.loading = this.loadNow()
        .catch((err) => this.opts.onError(err))
        .finally(() => {
          this.loading = undefined;
        });
    }
    return this.loading;
  }

  /** A recipient's state changed (it may be a member of any queue): read the statuses, soon. */
  memberChanged() {
    if (this.statusTimer || this.queues.size === 0) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      void this.loadStatuses().catch((err) => this.opts.onError(err));
    }, STATUS_AFTER_MEMBER_MS);
  }

  async loadStatuses() {
    const marks = new Map([...this.queues].map(([id, q]) => [id, q.events]));
    const statuses = await this.opts.api.queueStatuses();
    for (const [id, status] of Object.entries(statuses)) {
      const q = this.queues.get(id);
      if (!q || q.events !== marks.get(id)) continue;
      q.status = status;
      this.render(q);
    }
  }

  async loadNow() {
    const list = await this.opts.api.listQueues();
    for (const { id, name } of list) {
      // a listed queue's panel may come before its snapshot entry (the figures follow with it)
      const q = this.queues.get(id) ?? this.add(id, name);
      q.name = name;
      q.refs.name.textContent = name;
    }
    this.reorder();
    for (const q of this.queues.values()) this.render(q);
    this.opts.container.hidden = this.queues.size === 0;
  }

  /** The end of a snapshot round: a queue that got neither an entry nor a replay is gone. */
  roundComplete(d) {
    if (typeof d.queues !== 'number') return; // the round had no queue binding
    const resumed = new Set(d.queues_resumed ?? []);
    for (const id of [...this.queues.keys()]) if (!this.round.has(id) && !resumed.has(id)) this.remove(id);
    this.round = new Set();
  }

  add(id, name) {
    const { el } = this.opts;
    const refs = {};
    const figure = (key, label) => {
      refs[key] = el('b', { 'data-value': '0', text: '0' });
      return el('div', { class: 'qfig', 'data-figure': key }, refs[key], el('span', { text: label }));
    };
    refs.name = el('h2', { class: 'name', text: name });
    refs.sl15 = el('span', { class: 'sl15' });
    refs.panel = el(
      'article',
      { class: 'qpanel', 'data-queue-id': id },
      el('div', { class: 'qpanel-head' }, refs.name, refs.sl15),
      el(
        'div',
        { class: 'qfigs' },
        figure('waiting', 'waiting'),
        figure('longest', 'longest wait'),
        figure('available', 'available'),
        figure('service_level', 'service level'),
      ),
    );
    const q = { id, name, status: undefined, waiting: new Map(), events: 0, seq: 0, refs };
    this.queues.set(id, q);
    this.opts.container.append(refs.panel);
    this.opts.container.hidden = false;
    return q;
  }

  remove(id) {
    this.queues.get(id)?.refs.panel.remove();
    this.queues.delete(id);
    this.opts.container.hidden = this.queues.size === 0;
  }

  /** A `qubicle.queue.*` event (or snapshot entry) from the websocket. */
  onEvent(msg) {
    const d = msg.data;
    if (!d || typeof d.queue_id !== 'string') return;
    if (d.event === 'delete') {
      this.remove(d.queue_id);
      return;
    }
    let q = this.queues.get(d.queue_id);
    if (!q) {
      // a queue created meanwhile: its name comes with the next list
      q = this.add(d.queue_id, '…');
      void this.load();
    }
    if (d.event === 'snapshot') {
      // the queue as it is at d.seq: the events after it follow
      this.round.add(q.id);
      q.seq = d.seq;
      q.events++;
      q.status = d.status;
      q.waiting = new Map((d.sessions ?? []).map((s) => [s.session_id, Date.parse(s.entered_at)]));
      this.render(q);
      return;
    }
    // seq is per queue, +1 per event: one at or below what was applied is stale
    if (d.event !== 'create' && typeof d.seq === 'number' && d.seq <= q.seq) return;
    q.seq = d.seq;
    q.events++;
    if (d.status) q.status = d.status;
    const caller = d.caller;
    if (d.event === 'create') q.waiting = new Map();
    else if (d.event === 'join' && caller) q.waiting.set(caller.session_id, caller.queue_enter_time * 1000);
    else if ((d.event === 'leave' || d.event === 'delivered') && caller) q.waiting.delete(caller.session_id);
    this.render(q, true);
  }

  set(q, key, value, text = String(value)) {
    const b = q.refs[key];
    b.dataset.value = String(value);
    b.textContent = text;
  }

  render(q, flash = false) {
    const s = q.status;
    const waiting = s ? s.stats.active_session_count : q.waiting.size;
    this.set(q, 'waiting', waiting);
    this.set(q, 'available', s ? s.available_recipient_count : 0);
    const sl = s && s.service_level;
    this.set(q, 'service_level', sl ? (sl.day.sl_percent ?? '') : '', percent(sl && sl.day.sl_percent));
    q.refs.sl15.textContent = sl ? `15 min ${percent(sl.last_15_minutes.sl_percent)} · within ${sl.threshold_seconds} s` : '';
    q.refs.panel.classList.toggle('busy', waiting > 0);
    this.tickOne(q);
    if (flash) {
      q.refs.panel.classList.remove('flash');
      void q.refs.panel.offsetWidth;
      q.refs.panel.classList.add('flash');
    }
  }

  tickOne(q) {
    let oldest = Infinity;
    for (const t of q.waiting.values()) if (Number.isFinite(t) && t < oldest) oldest = t;
    const ms = oldest === Infinity ? 0 : Math.max(0, this.opts.now() - oldest);
    this.set(q, 'longest', Math.floor(ms / 1000), oldest === Infinity ? '—' : duration(ms));
  }

  tick() {
    for (const q of this.queues.values()) this.tickOne(q);
  }

  reorder() {
    const sorted = [...this.queues.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const box = this.opts.container;
    sorted.forEach((q, i) => {
      if (box.children[i] !== q.refs.panel) box.insertBefore(q.refs.panel, box.children[i] ?? null);
    });
  }
}
