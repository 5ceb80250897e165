/**
 * What a queue's change leaves in its outbox (the store's queue outbox, one atomic write with its
 * state): its events, and riding on a caller's `leave` event the report that caller's session is
 * owed (delivered, ended, redirected: QueueSessionPort). The relay publishes the event, then sends
 * the report, then removes the entry (queue-relay.ts): a worker dying between its write and its
 * report leaves the report in the outbox, and the node taking the shard sends it (docs/queues.md,
 * "Failover guarantees"). The store keeps each entry as written (JSON), rider included; the rider
 * is never published.
 */
import type { QueueEvent } from '@qubicle/contracts';
import type { QueueEffect } from '../machine/index.js';
import type { QueueSessionPort } from './queue-actor.js';

export type SessionReportEffect = Extract<QueueEffect, { type: 'session_delivered' | 'end_session' | 'redirect_session' }>;

/** An outbox entry: the event, and the session report its change owes (on a caller's `leave`). */
export type QueueOutboxEntry = QueueEvent & { session_report?: SessionReportEffect };

export function isSessionReport(e: QueueEffect): e is SessionReportEffect {
  return e.type === 'session_delivered' || e.type === 'end_session' || e.type === 'redirect_session';
}

/**
 * A change's events for the outbox, each session report on the `leave` event of its caller (every
 * outcome of the machine comes with one: steps.ts `leave`); a report without one is handed back,
 * to be sent directly.
 */
export function outboxEntriesOf(effects: readonly QueueEffect[]): { events: QueueOutboxEntry[]; unattached: SessionReportEffect[] } {
  const events: QueueOutboxEntry[] = [];
  for (const e of effects) if (e.type === 'publish') events.push(e.event);
  const unattached: SessionReportEffect[] = [];
  for (const r of effects) {
    if (!isSessionReport(r)) continue;
    const i = events.findIndex((e) => e.event === 'leave' && e.caller?.session_id === r.session_id && !e.session_report);
    if (i < 0) unattached.push(r);
    else events[i] = { ...events[i]!, session_report: r };
  }
  return { events, unattached };
}

/** The event as published (without its rider). */
export function publicEventOf(entry: QueueOutboxEntry): QueueEvent {
  if (!entry.session_report) return entry;
  const { session_report: _report, ...event } = entry;
  return event;
}

/** Sends the entry's session report, if any (to the owner of the session's shard; applied there once). */
export async function sendSessionReport(port: QueueSessionPort, entry: QueueOutboxEntry): Promise<void> {
  const r = entry.session_report;
  if (!r) return;
  if (r.type === 'session_delivered') await port.delivered(entry.account_id, r, entry.queue_id);
  else if (r.type === 'end_session') await port.ended(entry.account_id, r, entry.queue_id);
  else await port.redirected(entry.account_id, r, entry.queue_id);
}
