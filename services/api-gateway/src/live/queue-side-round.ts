/**
 * The queue side of one snapshot round (snapshot-sync.ts): for a socket's `qubicle.queue.…`
 * bindings, the queues it resumes (`resume_queues`: replayed from the resume buffer when it proves
 * nothing is missing, else a fresh entry) and the entries of the others; for its
 * `qubicle.session.…` bindings, one entry per caller in a queue now (sessions are not resumed:
 * every round sends them all). Reads nothing for a socket without such bindings.
 */
import { liveBindingKind } from '@qubicle/contracts';
import type { EventRing } from './event-ring.js';
import type { LiveMetrics } from './metrics.js';
import type { LiveBusEvent } from './prepared-event.js';
import type { QueueSnapshotRead, QueueSnapshotReader } from './queue-snapshot-batcher.js';
import { queueSideSeqKey } from './queue-side-event.js';
import { queueSideSubscription, type Subscription } from './subscriptions.js';

export interface QueueSideRound {
  read: QueueSnapshotRead;
  queueSubs: Subscription[];
  sessionSubs: Subscription[];
  /** queues to send an entry of (visible, running, not replayed) */
  entries: string[];
  replays: Map<string, LiveBusEvent[]>;
  resume: Record<string, number>;
  resynced: string[];
}

export interface QueueSideHost {
  readonly ring: EventRing<LiveBusEvent>;
  readonly queueSnapshots: QueueSnapshotReader;
  readonly metrics: LiveMetrics;
}

/** The subscriptions of `subs` naming queues and sessions; undefined when there is none. */
export async function readQueueSide(host: QueueSideHost, account: string, subs: readonly Subscription[], resume: Record<string, number>): Promise<QueueSideRound | undefined> {
  const queueSubs = subs.filter((s) => liveBindingKind(s.subscriptionKey) === 'queue');
  const sessionSubs = subs.filter((s) => liveBindingKind(s.subscriptionKey) === 'session');
  if (queueSubs.length === 0 && sessionSubs.length === 0) return undefined;
  const replays = new Map<string, LiveBusEvent[]>();
  const resynced: string[] = [];
  for (const [queueId, seq] of Object.entries(resume)) {
    if (!queueSideSubscription('queue', queueSubs, queueId)) continue;
    const events = host.ring.replay(account, queueSideSeqKey('queue', queueId), seq);
    if (events) replays.set(queueId, events);
    else resynced.push(queueId);
  }
  host.metrics.resumed('replayed', replays.size);
  host.metrics.resumed('resynced', resynced.length);
  const read = await host.queueSnapshots.read(account);
  const entries = read.ids.filter((id) => read.queues[id] !== undefined && !replays.has(id) && queueSideSubscription('queue', queueSubs, id) !== undefined);
  return { read, queueSubs, sessionSubs, entries, replays, resume, resynced };
}
