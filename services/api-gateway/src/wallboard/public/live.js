/**
 * The wallboard's event websocket client (KAZOO blackhole protocol, see docs/live.md): subscribes
 * to every recipient event and every queue event of the account, remembers each recipient's and
 * each queue's last seq, and on a reconnect resumes from those seqs (`resume`, `resume_queues`:
 * the gateway replays what was missed, or sends fresh snapshots).
 */

const PING_MS = 25_000;

export class LiveClient {
  /**
   * @param {{token: string, accountId: string, bindings?: string[],
   *          onMessage: (msg: any) => void, onState: (state: string, detail?: string) => void,
   *          onExpired: (why: string) => void}} opts
   */
  constructor(opts) {
    this.opts = opts;
    /** recipient_id → last seq received */
    this.seqs = new Map();
    /** queue_id → last seq received (queue events and snapshot entries) */
    this.queueSeqs = new Map();
    /** queue ids given a snapshot entry in the current round */
    this.queueRound = new Set();
    this.ws = undefined;
    this.stopped = false;
    this.attempt = 0;
    this.pinger = undefined;
    this.counter = 0;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000, 'bye');
  }

  connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/socket`;
    this.opts.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.opts.onState('syncing');
      const data = { account_id: this.opts.accountId, bindings: this.opts.bindings ?? ['qubicle.recipient.*'] };
      if (this.seqs.size > 0) data.resume = Object.fromEntries(this.seqs);
      if (this.queueSeqs.size > 0) data.resume_queues = Object.fromEntries(this.queueSeqs);
      this.subscribeId = this.requestId('subscribe');
      this.send({ action: 'subscribe', auth_token: this.opts.token, request_id: this.subscribeId, data });
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ action: 'ping', request_id: this.requestId('ping') }), PING_MS);
    };
    ws.onmessage = (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      this.track(msg);
      this.opts.onMessage(msg);
    };
    ws.onclose = (e) => {
      clearInterval(this.pinger);
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.stopped) return;
      if (e.code === 4001) {
        this.opts.onExpired('Your session expired: please sign in again.');
        return;
      }
      this.attempt++;
      const delay = Math.min(10_000, 500 * 2 ** Math.min(this.attempt, 5)) * (0.75 + Math.random() * 0.5);
      this.opts.onState('reconnecting', e.reason || `closed (${e.code})`);
      setTimeout(() => {
        if (!this.stopped) this.connect();
      }, delay);
    };
  }

  track(msg) {
    if (msg.action === 'reply') {
      if (msg.status === 'error') {
        const code = msg.data && msg.data.code;
        if (code === 'unauthorized') {
          this.opts.onExpired('Your session is no longer valid: please sign in again.');
        } else {
          this.opts.onState('error', (msg.data && msg.data.errors && msg.data.errors.join('; ')) || 'error');
          // the subscription failed (bus down, no worker in time): reconnect and try again
          if (msg.request_id === this.subscribeId && code !== 'forbidden' && this.ws) this.ws.close(1000, 'retry');
        }
      }
      return;
    }
    if (msg.action !== 'event' || !msg.data) return;
    // a queue event's seq is per queue: kept apart, to resume the queues from
    if (typeof msg.routing_key === 'string' && msg.routing_key.startsWith('qubicle.queue.')) return this.trackQueue(msg);
    if (msg.name === 'snapshot_complete') {
      const d = msg.data;
      if (typeof d.queues === 'number') {
        // a queue that got neither an entry nor a replay is gone
        const resumed = new Set(d.queues_resumed ?? []);
        for (const id of [...this.queueSeqs.keys()]) if (!this.queueRound.has(id) && !resumed.has(id)) this.queueSeqs.delete(id);
        this.queueRound = new Set();
      }
      this.attempt = 0;
      this.opts.onState('live');
      return;
    }
    const { recipient_id: id, seq } = msg.data;
    if (typeof id !== 'string' || typeof seq !== 'number') return;
    if (msg.name === 'snapshot' && seq === 0) this.seqs.delete(id);
    else if (seq > (this.seqs.get(id) ?? -1)) this.seqs.set(id, seq);
  }

  trackQueue(msg) {
    const { queue_id: id, seq } = msg.data;
    if (typeof id !== 'string' || typeof seq !== 'number') return;
    if (msg.name === 'delete') this.queueSeqs.delete(id);
    else if (msg.name === 'snapshot') {
      this.queueRound.add(id);
      this.queueSeqs.set(id, seq);
    } else if (seq > (this.queueSeqs.get(id) ?? -1)) this.queueSeqs.set(id, seq);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(obj));
  }

  requestId(kind) {
    this.counter++;
    return `wallboard-${kind}-${this.counter}`;
  }
}
