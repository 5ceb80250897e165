/**
 * Every RPC reply of a bus goes out through here, at the end of the event-loop turn in which it
 * was made, on the bus's reply channel (reply-channel.ts: a connection of its own).
 *
 * In bulk: the replies to the same caller (the same direct reply-to address: one gateway's reply
 * channel) made during one turn leave as ONE message of type REPLY_BATCH_TYPE,
 * `[{"c": correlationId, "b": reply body}, ...]`, which the caller's RpcClient unpacks. Only for
 * callers that asked for it (request header HEADER_REPLY_BATCH = 1): any other AMQP client keeps
 * getting one plain reply per request. Why: under load a worker answers ~15 commands of one gateway
 * per turn (one store transaction); each plain reply is a message the broker routes and delivers
 * and the gateway decodes.
 *
 * While the reply channel is down (its connection reconnecting, e.g. right after a broker restart,
 * when the consumers may be back first) replies are HELD and sent once it is open again, each until
 * its request's deadline (`x-deadline`; at most `maxHoldMs`), then dropped with a log line: the
 * caller has given up by then. `send` resolves once the reply was handed to the channel or dropped,
 * so the RPC server acks the request only after its reply ("reply, then ack").
 */
import type { Options } from 'amqplib';
import { HEADER_REQUEST_ID, REPLY_BATCH_TYPE, noopLogger, type Logger } from '../bus.js';
import type { ReplyOutlet } from './reply-channel.js';

/** At most this many replies in one batch message. */
export const REPLY_BATCH_MAX = 500;
/** A reply without a deadline is held this long at most while the reply channel is down. */
export const REPLY_HOLD_MAX_MS = 10_000;

export interface Reply {
  replyTo: string;
  correlationId: string | undefined;
  requestId: string | undefined;
  /** the reply body, already JSON */
  json: string;
  /** the caller takes batched replies (HEADER_REPLY_BATCH) and the reply has a correlation id */
  batch: boolean;
  /** the request's deadline (epoch ms), if it had one */
  deadline: number | undefined;
}

interface Pending extends Reply {
  /** held until then at the latest (epoch ms) */
  expiresAt: number;
  done: () => void;
}

export interface ReplyBatchStats {
  /** messages sent: batches + plain replies */
  messages: number;
  /** replies in them */
  replies: number;
  /** replies dropped: the reply channel stayed down past their deadline, or the bus closed */
  dropped: number;
}

export interface ReplyBatcherOptions {
  logger?: Logger;
  maxHoldMs?: number;
  /** epoch ms (tests) */
  now?: () => number;
  /** (tests) */
  setTimer?: (fn: () => void, ms: number) => () => void;
}

const realTimer = (fn: () => void, ms: number): (() => void) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export class ReplyBatcher {
  /** batchable replies of this turn, per address */
  private groups = new Map<string, Pending[]>();
  /** plain replies of this turn */
  private plain: Pending[] = [];
  private scheduled = false;
  /** waiting for the reply channel, oldest first */
  private held: Pending[] = [];
  private heldTimer: { at: number; cancel: () => void } | undefined;
  private stopped = false;
  private readonly log: Logger;
  private readonly maxHoldMs: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => () => void;
  readonly stats: ReplyBatchStats = { messages: 0, replies: 0, dropped: 0 };

  constructor(
    private readonly out: ReplyOutlet,
    opts: ReplyBatcherOptions = {},
  ) {
    this.log = opts.logger ?? noopLogger;
    this.maxHoldMs = opts.maxHoldMs ?? REPLY_HOLD_MAX_MS;
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? realTimer;
    out.onOpen(() => this.release());
  }

  /** Queues a reply; resolves once it was handed to the reply channel or dropped. */
  send(reply: Reply): Promise<void> {
    return new Promise<void>((done) => {
      const expiresAt = Math.min(reply.deadline ?? Infinity, this.now() + this.maxHoldMs);
      const p: Pending = { ...reply, expiresAt, done };
      if (p.batch) {
        let group = this.groups.get(p.replyTo);
        if (!group) {
          group = [];
          this.groups.set(p.replyTo, group);
        }
        group.push(p);
        if (group.length >= REPLY_BATCH_MAX) {
          this.groups.delete(p.replyTo);
          this.publishGroup(p.replyTo, group);
          return;
        }
      } else {
        this.plain.push(p);
      }
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** The bus is closing: drop what is held and hold nothing from now on. */
  stop(): void {
    this.stopped = true;
    this.drop(this.held.splice(0), 'the bus is closing');
    this.heldTimer?.cancel();
    this.heldTimer = undefined;
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.groups;
    const plain = this.plain;
    this.groups = new Map();
    this.plain = [];
    for (const [replyTo, group] of groups) this.publishGroup(replyTo, group);
    for (const p of plain) this.publishGroup(p.replyTo, [p]);
  }

  /** Sends a group of replies to one address (a batch if more than one); holds them if it cannot. */
  private publishGroup(replyTo: string, group: Pending[]): void {
    const sent = group.length === 1 ? this.publishOne(group[0]!) : this.publishBatch(replyTo, group);
    if (sent) {
      for (const p of group) p.done();
    } else {
      this.hold(group);
    }
  }

  private publishBatch(replyTo: string, group: Pending[]): boolean {
    const body = `[${group.map((r) => `{"c":${JSON.stringify(r.correlationId)},"b":${r.json}}`).join(',')}]`;
    if (!this.out.publish(replyTo, Buffer.from(body), { contentType: 'application/json', type: REPLY_BATCH_TYPE })) return false;
    this.stats.messages++;
    this.stats.replies += group.length;
    return true;
  }

  private publishOne(r: Pending): boolean {
    const headers: Record<string, unknown> = {};
    if (r.requestId !== undefined) headers[HEADER_REQUEST_ID] = r.requestId;
    const props: Options.Publish = { contentType: 'application/json', headers };
    if (r.correlationId !== undefined) props.correlationId = r.correlationId;
    if (!this.out.publish(r.replyTo, Buffer.from(r.json), props)) return false;
    this.stats.messages++;
    this.stats.replies++;
    return true;
  }

  private hold(group: Pending[]): void {
    if (this.stopped) {
      this.drop(group, 'the bus is closing');
      return;
    }
    this.held.push(...group);
    this.armExpiry();
  }

  /** The reply channel is open again: send what is held (expired first dropped). */
  private release(): void {
    this.expire();
    const held = this.held;
    this.held = [];
    if (held.length === 0) return;
    this.log.info({ replies: held.length }, 'reply channel open again: sending the replies held meanwhile');
    const groups = new Map<string, Pending[]>();
    for (const p of held) {
      if (!p.batch) {
        this.publishGroup(p.replyTo, [p]);
        continue;
      }
      const g = groups.get(p.replyTo) ?? [];
      g.push(p);
      groups.set(p.replyTo, g);
    }
    for (const [replyTo, group] of groups) {
      for (let i = 0; i < group.length; i += REPLY_BATCH_MAX) this.publishGroup(replyTo, group.slice(i, i + REPLY_BATCH_MAX));
    }
  }

  private expire(): void {
    const now = this.now();
    if (!this.held.some((p) => p.expiresAt <= now)) return;
    const keep: Pending[] = [];
    const gone: Pending[] = [];
    for (const p of this.held) (p.expiresAt <= now ? gone : keep).push(p);
    this.held = keep;
    this.drop(gone, 'the reply channel stayed down past their deadline');
  }

  private drop(replies: Pending[], why: string): void {
    if (replies.length === 0) return;
    this.stats.dropped += replies.length;
    this.log.warn({ replies: replies.length, correlation_ids: replies.slice(0, 10).map((p) => p.correlationId) }, `replies dropped: ${why}`);
    for (const p of replies) p.done();
  }

  /** One timer, for the earliest expiry among the held replies. */
  private armExpiry(): void {
    let at = Infinity;
    for (const p of this.held) if (p.expiresAt < at) at = p.expiresAt;
    if (at === Infinity) {
      this.heldTimer?.cancel();
      this.heldTimer = undefined;
      return;
    }
    if (this.heldTimer && this.heldTimer.at <= at) return;
    this.heldTimer?.cancel();
    const cancel = this.setTimer(() => {
      this.heldTimer = undefined;
      this.expire();
      this.armExpiry();
    }, Math.max(0, at - this.now()) + 1);
    this.heldTimer = { at, cancel };
  }
}
