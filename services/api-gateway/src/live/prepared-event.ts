/**
 * One bus event, serialised ONCE for every websocket it goes to: the `data` JSON is built when it
 * arrives, and the whole message (which only differs by the subscription's keys) is built once per
 * subscription pair — as a complete WebSocket text frame (server frames are not masked, so the
 * bytes are the same for every socket) shared by every socket with that pair.
 */
import { liveEventKey, type RecipientEvent } from '@qubicle/contracts';
import { topicMatches } from '@qubicle/transport';

export interface SubscriptionKeys {
  /** the binding as the client sent it */
  readonly subscribedKey: string;
  /** the binding as matched */
  readonly subscriptionKey: string;
  /** identifies the pair (frame cache key): `${subscribedKey}\n${subscriptionKey}` */
  readonly id: string;
}

/** What the resume buffer keeps (event-ring.ts): events of one numbering, `seqKey`, in `seq` order. */
export interface RingEvent {
  readonly accountId: string;
  /** the numbering the seq belongs to: a recipient id, or `queue/{id}`, `session/{id}` */
  readonly seqKey: string;
  readonly seq: number;
  readonly name: string;
}

/** A bus event as a socket's sync handles it (PreparedEvent, QueueSideEvent). */
export interface LiveBusEvent extends RingEvent {
  /** Does a (normalised) binding take it? */
  matches(pattern: string): boolean;
  /** The websocket frame of the message for a subscription. */
  frameFor(keys: SubscriptionKeys): Buffer;
}

export function subscriptionKeys(subscribedKey: string, subscriptionKey: string): SubscriptionKeys {
  return { subscribedKey, subscriptionKey, id: `${subscribedKey}\n${subscriptionKey}` };
}

export class PreparedEvent implements LiveBusEvent {
  readonly accountId: string;
  readonly recipientId: string;
  /** = recipientId: the recipient's numbering */
  readonly seqKey: string;
  readonly seq: number;
  readonly name: string;
  /** ms since epoch the worker published it */
  readonly timestamp: number;
  /** the bus routing key, qubicle.recipient.{account}.{recipient}.{event} */
  readonly routingKey: string;
  /** what websocket bindings match: qubicle.recipient.{recipient}.{event} */
  readonly matchKey: string;
  private readonly dataJson: string;
  private frames: Map<string, Buffer> | undefined;
  private matchCache: Map<string, boolean> | undefined;

  constructor(readonly event: RecipientEvent) {
    this.accountId = event.account_id;
    this.recipientId = event.recipient_id;
    this.seqKey = event.recipient_id;
    this.seq = event.seq;
    this.name = event.event;
    this.timestamp = event.timestamp;
    this.routingKey = `qubicle.recipient.${event.account_id}.${event.recipient_id}.${event.event}`;
    this.matchKey = liveEventKey(event.recipient_id, event.event);
    this.dataJson = JSON.stringify(event);
  }

  /** Does a (normalised) binding match it? Cached: most sockets share a handful of bindings. */
  matches(pattern: string): boolean {
    this.matchCache ??= new Map();
    let hit = this.matchCache.get(pattern);
    if (hit === undefined) {
      hit = topicMatches(pattern, this.matchKey);
      this.matchCache.set(pattern, hit);
    }
    return hit;
  }

  /** The websocket frame of the message for a subscription, built once per key pair. */
  frameFor(keys: SubscriptionKeys): Buffer {
    this.frames ??= new Map();
    let frame = this.frames.get(keys.id);
    if (!frame) {
      frame = textFrame(eventMessageJson(keys, this.name, this.routingKey, this.dataJson));
      this.frames.set(keys.id, frame);
    }
    return frame;
  }

  /** Drops the cached frames (after the fan-out; the event stays in the resume buffer). */
  release(): void {
    this.frames = undefined;
  }
}

/** `{"action":"event","subscribed_key":…,"subscription_key":…,"name":…,"routing_key":…,"data":…}` */
export function eventMessageJson(keys: SubscriptionKeys, name: string, routingKey: string, dataJson: string): string {
  return (
    `{"action":"event","subscribed_key":${JSON.stringify(keys.subscribedKey)},"subscription_key":${JSON.stringify(keys.subscriptionKey)}` +
    `,"name":${JSON.stringify(name)},"routing_key":${JSON.stringify(routingKey)},"data":${dataJson}}`
  );
}

/** A complete, unmasked, unfragmented WebSocket text frame (RFC 6455 §5.2) carrying `text`. */
export function textFrame(text: string): Buffer {
  const len = Buffer.byteLength(text);
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + len);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (head === 2) frame[1] = len;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  frame.write(text, head, 'utf8');
  return frame;
}
