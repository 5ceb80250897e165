/**
 * A queue or session event of the events exchange (`qubicle.queue.{account}.{queue}.{event}`,
 * `qubicle.session.{account}.{session}.{event}`), serialised once for every websocket it goes to, as
 * PreparedEvent is for recipient events. It reaches only subscriptions whose binding names its kind
 * (`qubicle.queue.…` / `qubicle.session.…`, contracts live/binding.ts), in the order the gateway
 * receives them; the queue's `seq` is in `data` (per queue, +1 per event). No snapshot and no resume
 * buffer yet: a client reads `GET …/qubicle_queues/{id}/status` (with its seq) to start from.
 */
import { liveBindingKind, liveQueueSideEventKey, type QueueEvent, type SessionEvent } from '@qubicle/contracts';
import { topicMatches } from '@qubicle/transport';
import { eventMessageJson, textFrame, type SubscriptionKeys } from './prepared-event.js';

export class QueueSideEvent {
  readonly accountId: string;
  readonly name: string;
  /** the bus routing key */
  readonly routingKey: string;
  /** what websocket bindings match: qubicle.{queue|session}.{id}.{event} */
  readonly matchKey: string;
  private readonly dataJson: string;
  private readonly frames = new Map<string, Buffer>();

  constructor(
    readonly kind: 'queue' | 'session',
    event: QueueEvent | SessionEvent,
  ) {
    const id = kind === 'queue' ? (event as QueueEvent).queue_id : (event as SessionEvent).session_id;
    this.accountId = event.account_id;
    this.name = event.event;
    this.routingKey = `qubicle.${kind}.${event.account_id}.${id}.${event.event}`;
    this.matchKey = liveQueueSideEventKey(kind, id, event.event);
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
}
