/**
 * RPC replies in bulk: the replies a node sends to the same caller (the same direct reply-to
 * address: one gateway's reply channel) during one turn of the event loop leave as ONE message of
 * type REPLY_BATCH_TYPE, `[{"c": correlationId, "b": reply body}, ...]`, which the caller's
 * RpcClient unpacks. Only for callers that asked for it (request header HEADER_REPLY_BATCH = 1):
 * any other AMQP client keeps getting one plain reply per request.
 *
 * Why: under load a worker answers ~15 commands of one gateway per turn (one store transaction);
 * each plain reply is a message the broker routes and delivers and the gateway decodes.
 *
 * `send` resolves once the reply was handed to a channel (end of the turn), so the RPC server acks
 * the request only after its reply, as before ("reply, then ack"). A batch is published on the
 * channel of its first reply (a direct reply-to address can be published to from any channel);
 * if that channel is gone, each reply goes on its own channel, as a plain reply.
 */
import type { Channel } from 'amqplib';
import { HEADER_REQUEST_ID, REPLY_BATCH_TYPE, noopLogger, type Logger } from '../bus.js';
import { swallow } from './util.js';

/** At most this many replies in one batch message. */
export const REPLY_BATCH_MAX = 500;

interface PendingReply {
  ch: Channel;
  correlationId: string;
  requestId: string | undefined;
  /** the reply body, already JSON */
  json: string;
  done: () => void;
}

export interface ReplyBatchStats {
  /** messages sent: batches + plain replies */
  messages: number;
  /** replies in them */
  replies: number;
}

export class ReplyBatcher {
  private groups = new Map<string, PendingReply[]>();
  private scheduled = false;
  readonly stats: ReplyBatchStats = { messages: 0, replies: 0 };

  constructor(private readonly log: Logger = noopLogger) {}

  /** Queues a reply for `replyTo`; resolves once it was handed to a channel (or could not be). */
  send(ch: Channel, replyTo: string, correlationId: string, json: string, requestId?: string): Promise<void> {
    return new Promise<void>((done) => {
      let group = this.groups.get(replyTo);
      if (!group) {
        group = [];
        this.groups.set(replyTo, group);
      }
      group.push({ ch, correlationId, requestId, json, done });
      if (group.length >= REPLY_BATCH_MAX) {
        this.groups.delete(replyTo);
        this.publish(replyTo, group);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.groups;
    this.groups = new Map();
    for (const [replyTo, group] of groups) this.publish(replyTo, group);
  }

  private publish(replyTo: string, group: PendingReply[]): void {
    try {
      if (group.length === 1 || !this.publishBatch(replyTo, group)) {
        for (const r of group) this.publishOne(replyTo, r);
      }
    } finally {
      for (const r of group) r.done();
    }
  }

  /** One message for the whole group; false if its channel refused it (closed). */
  private publishBatch(replyTo: string, group: PendingReply[]): boolean {
    const body = `[${group.map((r) => `{"c":${JSON.stringify(r.correlationId)},"b":${r.json}}`).join(',')}]`;
    const ok = swallow(() => group[0]!.ch.publish('', replyTo, Buffer.from(body), { contentType: 'application/json', type: REPLY_BATCH_TYPE }));
    if (ok) {
      this.stats.messages++;
      this.stats.replies += group.length;
    }
    return ok;
  }

  private publishOne(replyTo: string, r: PendingReply): void {
    if (publishPlainReply(r.ch, replyTo, r.json, r.correlationId, r.requestId)) {
      this.stats.messages++;
      this.stats.replies++;
    } else this.log.debug({ replyTo }, 'reply not sent: channel closed');
  }
}

/**
 * One plain RPC reply (what every caller gets without HEADER_REPLY_BATCH): the JSON body, its
 * correlation id and the request id header. False if the channel is closed.
 */
export function publishPlainReply(ch: Channel, replyTo: string, json: string, correlationId: string | undefined, requestId: string | undefined): boolean {
  const headers: Record<string, unknown> = {};
  if (requestId !== undefined) headers[HEADER_REQUEST_ID] = requestId;
  const props: Parameters<Channel['publish']>[3] = { contentType: 'application/json', headers };
  if (correlationId !== undefined) props.correlationId = correlationId;
  return swallow(() => ch.publish('', replyTo, Buffer.from(json), props));
}
