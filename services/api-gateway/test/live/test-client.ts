/**
 * A websocket client for tests of the event websocket: queues what it receives and checks every
 * message against its contract (reply or event). Used by the gateway's tests and the e2e tests.
 */
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { validateLiveEventMessage, validateLiveReply } from '@qubicle/contracts';

export type ServerMessage = Record<string, any>;

/** A websocket client that queues messages and checks each against the contracts. */
export class TestClient {
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: Array<() => void> = [];
  private counter = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as ServerMessage;
      const check = msg['action'] === 'reply' ? validateLiveReply(msg) : validateLiveEventMessage(msg);
      if (!check.ok) throw new Error(`server message breaks its contract: ${JSON.stringify(check.details)} in ${JSON.stringify(msg)}`);
      this.received.push(msg);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of this.waiters.splice(0)) w();
    }));
  }

  static open(url: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const c = new TestClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  nextRequestId(): string {
    return `req-${++this.counter}`;
  }

  /** Sends a subscribe and returns its request_id. */
  subscribe(token: string | undefined, data: Record<string, unknown>, requestId = this.nextRequestId()): string {
    this.send({ action: 'subscribe', ...(token !== undefined ? { auth_token: token } : {}), request_id: requestId, data });
    return requestId;
  }

  /** The next message (after those already taken) that satisfies `pred`; earlier ones are skipped. */
  async next(pred: (m: ServerMessage) => boolean = () => true, timeoutMs = 3000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.received.length) {
        const m = this.received[this.cursor++]!;
        if (pred(m)) return m;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received.slice(-5))}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The reply to `requestId`. */
  reply(requestId: string, timeoutMs = 3000): Promise<ServerMessage> {
    return this.next((m) => m['action'] === 'reply' && m['request_id'] === requestId, timeoutMs);
  }

  /** Waits until `pred` holds for the whole list of received messages. */
  async until(pred: (all: ServerMessage[]) => boolean, timeoutMs = 5000): Promise<ServerMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) throw new Error(`condition not met within ${timeoutMs} ms (${this.received.length} messages)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }

  events(name?: string): ServerMessage[] {
    return this.received.filter((m) => m['action'] === 'event' && (name === undefined || m['name'] === name));
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Subscribes and waits for the reply and the end of the snapshot. */
export async function subscribed(c: TestClient, token: string | undefined, data: Record<string, unknown>): Promise<{ reply: ServerMessage; complete: ServerMessage }> {
  const rid = c.subscribe(token, data);
  const reply = await c.reply(rid);
  assert.equal(reply['status'], 'success', JSON.stringify(reply));
  const complete = await c.next((m) => m['name'] === 'snapshot_complete' && m['data']['request_id'] === rid);
  return { reply, complete };
}

/** Per-recipient seqs of the recipient events (and snapshots) received, in order. */
export function seqsByRecipient(msgs: ServerMessage[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of msgs) {
    if (m['action'] !== 'event' || m['name'] === 'snapshot_complete') continue;
    const id = m['data']['recipient_id'] as string;
    const list = out.get(id) ?? [];
    list.push(m['data']['seq'] as number);
    out.set(id, list);
  }
  return out;
}
