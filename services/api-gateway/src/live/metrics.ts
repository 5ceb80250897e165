/**
 * Metrics of the event websocket, on the gateway's own registry. No per-recipient, account or
 * connection labels: the close reason and the resume outcome are the only labels.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LiveCloseName } from '@qubicle/contracts';

export const LIVE_METRIC_NAMES = [
  'qubicle_gateway_live_connections',
  'qubicle_gateway_live_subscriptions',
  'qubicle_gateway_live_events_received_total',
  'qubicle_gateway_live_messages_sent_total',
  'qubicle_gateway_live_closed_total',
  'qubicle_gateway_live_resume_total',
  'qubicle_gateway_live_buffered_events',
] as const;

export interface LiveMetrics {
  eventReceived(): void;
  messagesSent(n: number): void;
  closed(reason: LiveCloseName | 'client'): void;
  resumed(outcome: 'replayed' | 'resynced', n: number): void;
}

export interface LiveGauges {
  connections(): number;
  subscriptions(): number;
  bufferedEvents(): number;
}

export const noLiveMetrics: LiveMetrics = { eventReceived() {}, messagesSent() {}, closed() {}, resumed() {} };

export function createLiveMetrics(registry: Registry, gauges: LiveGauges): LiveMetrics {
  const registers = [registry];
  new Gauge({
    name: 'qubicle_gateway_live_connections',
    help: 'Open event websockets',
    registers,
    collect() {
      this.set(gauges.connections());
    },
  });
  new Gauge({
    name: 'qubicle_gateway_live_subscriptions',
    help: 'Subscriptions (bindings) of the open event websockets',
    registers,
    collect() {
      this.set(gauges.subscriptions());
    },
  });
  new Gauge({
    name: 'qubicle_gateway_live_buffered_events',
    help: 'Recent events kept for resume',
    registers,
    collect() {
      this.set(gauges.bufferedEvents());
    },
  });
  const received = new Counter({ name: 'qubicle_gateway_live_events_received_total', help: 'Recipient events received from the bus', registers });
  // counted in a plain number on the hot path, added to the counter when scraped
  let unsent = 0;
  new Counter({
    name: 'qubicle_gateway_live_messages_sent_total',
    help: 'Messages sent on event websockets (events, snapshots, replies)',
    registers,
    collect() {
      this.inc(unsent);
      unsent = 0;
    },
  });
  const closed = new Counter({ name: 'qubicle_gateway_live_closed_total', help: 'Event websockets closed, by reason', labelNames: ['reason'], registers });
  const resume = new Counter({
    name: 'qubicle_gateway_live_resume_total',
    help: 'Recipients named in a resume: replayed from the buffer, or resynced with a fresh snapshot',
    labelNames: ['outcome'],
    registers,
  });
  return {
    eventReceived: () => received.inc(),
    messagesSent: (n) => {
      unsent += n;
    },
    closed: (reason) => closed.inc({ reason }),
    resumed: (outcome, n) => {
      if (n > 0) resume.inc({ outcome }, n);
    },
  };
}
