/**
 * Recent events per recipient, for clients that reconnect with `resume`. Bounded twice: per
 * recipient (the oldest event goes first) and in all (the least recently updated recipients lose
 * their oldest events first). A recipient's buffer proves it holds EVERY event from its oldest one
 * on, because the gateway received them all in order; after a bus outage (events may have been
 * missed) everything is forgotten.
 */
import type { PreparedEvent } from './prepared-event.js';

interface RecipientBuffer {
  events: PreparedEvent[];
}

export class EventRing {
  /** account/recipient → buffer; Map order = least recently updated first */
  private readonly buffers = new Map<string, RecipientBuffer>();
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
  add(ev: PreparedEvent): boolean {
    if (this.perRecipient <= 0 || this.maxEvents <= 0) return true;
    const key = `${ev.accountId}/${ev.recipientId}`;
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
  replay(accountId: string, recipientId: string, afterSeq: number): PreparedEvent[] | undefined {
    const buf = this.buffers.get(`${accountId}/${recipientId}`);
    const first = buf?.events[0];
    if (!buf || !first) return undefined;
    if (afterSeq < first.seq - 1) return undefined;
    return buf.events.filter((e) => e.seq > afterSeq);
  }

  /** The newest event kept for a recipient. */
  latest(accountId: string, recipientId: string): PreparedEvent | undefined {
    const events = this.buffers.get(`${accountId}/${recipientId}`)?.events;
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
