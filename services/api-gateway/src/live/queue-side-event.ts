/**
 * A queue or session event of the events exchange (`qubicle.queue.{account}.{queue}.{event}`,
 * `qubicle.session.{account}.{session}.{event}`), serialised once for every websocket it goes to, as
 * PreparedEvent is for recipient events. It reaches only subscriptions whose binding names its kind
 * (`qubicle.queue.…` / `qubicle.session.…`, contracts live/binding.ts). Its `seq` is per queue (+1
 * per event) or per session (1 create, 2 delete): the socket's sync (snapshot-sync.ts) drops one at
 * or below what the socket already has for that queue or session, as for recipients, and queue
 * events are kept in the resume buffer under `queue/{id}`.
 */
import { liveBindingKind, liveQueueSideEventKey, type QueueEvent, type SessionEvent } from '@qubicle/contracts';
import { topicMatches } from '@qubicle/transport';
import { eventMessageJson, textFrame, type LiveBusEvent, type SubscriptionKeys } from './prepared-event.js';

/** The numbering of a queue's or a session's events in the sync and the resume buffer. */
export function queueSideSeqKey(kind: 'queue' | 'session', id: string): string {
  return `${kind}/${id}`;
}

export class QueueSideEvent implements LiveBusEvent {
  readonly accountId: string;
  /** the queue id or the session id */
  readonly id: string;
  readonly seqKey: string;
  readonly seq: number;
  readonly name: string;
  /** the bus routing key */
  readonly routingKey: string;
  /** what websocket bindings match: qubicle.{queue|session}.{id}.{event} */
  readonly matchKey: string;
  private readonly dataJson: string;
  private frames = new Map<string, Buffer>();

  constructor(
    readonly kind: 'queue' | 'session',
    event: QueueEvent | SessionEvent,
  ) {
    this.id = kind === 'queue' ? (event as QueueEvent).queue_id : (event as SessionEvent).session_id;
    this.accountId = event.account_id;
    this.seqKey = queueSideSeqKey(kind, this.id);
    this.seq = event.seq;
    this.name = event.event;
    this.routingKey = `qubicle.${kind}.${event.account_id}.${this.id}.${event.event}`;
    this.matchKey = liveQueueSideEventKey(kind, this.id, event.event);
    this.dataJson = JSON.stringify(event);
  }

  /** Does a (normalised) binding take it: it names this kind and matches. */
  matches(pattern: string): boolean {
    return liveBindingKind(pattern) === this.kind && topicMatches(pattern, this.matchKey);
  }

  frameFor(keys: SubscriptionKeys): Buffer {
    let frame = this.frames.get(keys.id);
    if (!frame) {
      frame = textFrame(eventMessageJson(keys, this.name, this.routingKey, this.dataJson));
      this.frames.set(keys.id, frame);
    }
    return frame;
  }

  /** Drops the cached frames (after the fan-out; a queue event stays in the resume buffer). */
  release(): void {
    this.frames = new Map();
  }
}
