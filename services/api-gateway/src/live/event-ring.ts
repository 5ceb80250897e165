/**
 * Recent events per recipient (and per queue), for clients that reconnect with `resume` /
 * `resume_queues`. Bounded twice: per sequence (the oldest event goes first) and in all (the least
 * recently updated sequences lose their oldest events first). A buffer proves it holds EVERY event
 * from its oldest one on, because the gateway received them all in order; after a bus outage
 * (events may have been missed) everything is forgotten.
 */
import type { LiveBusEvent, RingEvent } from './prepared-event.js';

interface RecipientBuffer<E> {
  events: E[];
}

/** Events of one numbering: a recipient's (seqKey = recipient id) or a queue's (`queue/{id}`). */
export class EventRing<E extends RingEvent = LiveBusEvent> {
  /** account/recipient → buffer; Map order = least recently updated first */
  private readonly buffers = new Map<string, RecipientBuffer<E>>();
  private count = 0;
  /** events that did not follow the previous one (seq jump inside a session): for metrics */
  gaps = 0;

  constructor(
    private readonly perRecipient: number,
    private readonly maxEvents: number,
  ) {}

  get size(): number {
    return this.count;
  }

  get recipients(): number {
    return this.buffers.size;
  }

  /** Keeps the event; false for a duplicate or an older one than the newest kept (not kept). */
  add(ev: E): boolean {
    if (this.perRecipient <= 0 || this.maxEvents <= 0) return true;
    const key = `${ev.accountId}/${ev.seqKey}`;
    const buf = this.buffers.get(key);
    if (buf) {
      const last = buf.events[buf.events.length - 1];
      if (last && ev.seq <= last.seq) return false;
      if (last && ev.seq !== last.seq + 1 && ev.name !== 'create') {
        // Missed events (e.g. lost while a channel was re-established): the buffer cannot prove
        // completeness across the hole, so it starts again here.
        this.gaps++;
        this.count -= buf.events.length;
        buf.events = [];
      }
      this.buffers.delete(key); // move to the most recently updated end
      this.buffers.set(key, buf);
      buf.events.push(ev);
    } else {
      this.buffers.set(key, { events: [ev] });
    }
    this.count++;
    const kept = this.buffers.get(key);
    if (kept && kept.events.length > this.perRecipient) {
      kept.events.shift();
      this.count--;
    }
    this.evict();
    return true;
  }

  /**
   * The events after `afterSeq`, when the buffer can prove none is missing (it holds the event
   * `afterSeq + 1` or an older one); undefined when it cannot (too old, or nothing buffered).
   */
  replay(accountId: string, seqKey: string, afterSeq: number): E[] | undefined {
    const buf = this.buffers.get(`${accountId}/${seqKey}`);
    const first = buf?.events[0];
    if (!buf || !first) return undefined;
    if (afterSeq < first.seq - 1) return undefined;
    return buf.events.filter((e) => e.seq > afterSeq);
  }

  /** The newest event kept for a recipient. */
  latest(accountId: string, seqKey: string): E | undefined {
    const events = this.buffers.get(`${accountId}/${seqKey}`)?.events;
    return events?.[events.length - 1];
  }

  clear(): void {
    this.buffers.clear();
    this.count = 0;
  }

  private evict(): void {
    while (this.count > this.maxEvents) {
      const oldest = this.buffers.entries().next();
      if (oldest.done) return;
      const [key, buf] = oldest.value;
      buf.events.shift();
      this.count--;
      if (buf.events.length === 0) this.buffers.delete(key);
    }
  }
}
