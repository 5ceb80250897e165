/**
 * Snapshot, then deltas, no duplicate, no gap — for one socket. It keeps the seq of the last thing
 * the socket was sent per numbering: per recipient, per queue (`queue/{id}`) and per caller session
 * (`session/{id}`). While a snapshot is being read (`during`), live events are held; once the
 * snapshot is out they are replayed through the same filter as every live event, which drops an
 * event whose seq is not above what the socket already has for its numbering.
 * A resume (`{recipient: seq}`, `resume_queues` `{queue: seq}`) is answered from the event ring
 * when the ring can prove nothing is missing since that seq, and with a fresh snapshot entry
 * (`resync: true`) when it cannot. The queue side of a round is queue-side-round.ts.
 */
import {
  NOT_LOGGED_IN_STATUS,
  liveBindingKind,
  type LiveSnapshotCompleteData,
  type LiveSnapshotData,
  type LiveSnapshotReason,
} from '@qubicle/contracts';
import { eventMessageJson, textFrame, type LiveBusEvent } from './prepared-event.js';
import { readQueueSide, type QueueSideHost, type QueueSideRound } from './queue-side-round.js';
import { QueueSideEvent, queueSideSeqKey } from './queue-side-event.js';
import type { SnapshotRead, SnapshotReader } from './snapshot-batcher.js';
import { canSee, queueSideSubscription, visibility, type Subscription, type Subscriptions } from './subscriptions.js';

export interface SnapshotSyncHost extends QueueSideHost {
  readonly snapshots: SnapshotReader;
  /** live events held during a snapshot beyond which the socket is a slow consumer */
  readonly maxPendingEvents: number;
  /** the socket's subscriptions (read only here) */
  readonly subscriptions: Pick<Subscriptions, 'size' | 'matching'>;
  /** true once the socket is closed: nothing is sent or held any more */
  closed(): boolean;
  /** Sends a prebuilt frame (outbox.ts). */
  write(frame: Buffer): void;
  /** More than `maxPendingEvents` are held. */
  overflowed(): void;
}

/** One snapshot read, to be sent by `emit`. */
export interface SnapshotRound {
  account: string;
  batch: SnapshotRead;
  /** recipients to send a snapshot entry of (logged in, visible, not replayed) */
  entries: string[];
  replays: Map<string, LiveBusEvent[]>;
  resume: Record<string, number>;
  resynced: string[];
  /** with queue or session bindings */
  queueSide?: QueueSideRound;
}

export class SnapshotSync {
  private readonly lastSeq = new Map<string, number>();
  /** snapshots being read: live events are held while > 0 */
  private syncing = 0;
  private pending: LiveBusEvent[] = [];

  constructor(private readonly host: SnapshotSyncHost) {}

  /** A live event of the socket's account: sent now, or held while a snapshot is being read. */
  offer(ev: LiveBusEvent): void {
    if (this.host.closed() || (this.host.subscriptions.size === 0 && this.syncing === 0)) return;
    if (this.syncing > 0) {
      this.pending.push(ev);
      if (this.pending.length > this.host.maxPendingEvents) this.host.overflowed();
      return;
    }
    this.deliver(ev);
  }

  /** Runs `read` (and the `emit` of what it read) with live events held; they are replayed after it. */
  async during<T>(read: () => Promise<T>): Promise<T> {
    this.syncing++;
    try {
      return await read();
    } finally {
      this.endSync();
    }
  }

  /** Nothing subscribed any more: the next subscribe starts from a clean slate. */
  forget(): void {
    this.lastSeq.clear();
  }

  /** The socket closed: drop what is held. */
  drop(): void {
    this.pending = [];
  }

  /**
   * Recipients visible to `subs`: resumed ones are replayed from the buffer when it can prove
   * nothing is missing; the others (and the resumed ones it cannot prove) are read from the workers.
   */
  async read(account: string, subs: readonly Subscription[], resume: Record<string, number>, resumeQueues: Record<string, number> = {}): Promise<SnapshotRound> {
    const [round, queueSide] = await Promise.all([this.readRecipients(account, subs, resume), readQueueSide(this.host, account, subs, resumeQueues)]);
    if (queueSide) round.queueSide = queueSide;
    return round;
  }

  private async readRecipients(account: string, subs: readonly Subscription[], resume: Record<string, number>): Promise<SnapshotRound> {
    const visible = visibility(subs);
    const replays = new Map<string, LiveBusEvent[]>();
    const resynced: string[] = [];
    for (const [rid, seq] of Object.entries(resume)) {
      if (!visible(rid)) continue;
      const events = this.host.ring.replay(account, rid, seq);
      if (events) replays.set(rid, events);
      else resynced.push(rid);
    }
    this.host.metrics.resumed('replayed', replays.size);
    this.host.metrics.resumed('resynced', resynced.length);
    // bindings that all name the queue side see no recipient: nothing to read
    const batch = subs.some((s) => !isQueueSide(s)) ? await this.host.snapshots.read(account, resynced) : noRecipients(account);
    const entries = [...new Set([...batch.ids.filter((id) => visible(id) && !replays.has(id)), ...resynced])].filter((id) => batch.read[id] !== undefined);
    return { account, batch, entries, replays, resume, resynced };
  }

  /**
   * Sends a round: the snapshot entries, a not-logged-in entry for each recipient the client knew
   * of who is gone (every one it knew of when `allResync`, after a bus outage), the replayed
   * events, then `snapshot_complete`.
   */
  emit(round: SnapshotRound, subs: readonly Subscription[], reason: LiveSnapshotReason, requestId: string | undefined, allResync: boolean): void {
    const { account } = round;
    const sees = subs.map((s) => visibility([s]));
    const subFor = (rid: string): Subscription => subs[sees.findIndex((v) => v(rid))] ?? subs[0]!;
    const resynced = new Set(round.resynced);
    let entries = 0;
    const sendEntry = (rid: string, seq: number, frame: Buffer) => {
      this.host.write(frame);
      const last = this.lastSeq.get(rid);
      if (seq > 0 && (last === undefined || seq > last)) this.lastSeq.set(rid, seq);
      entries++;
    };
    const { batch } = round;
    for (const rid of round.entries) sendEntry(rid, batch.read[rid]!.seq, batch.entryFrame(subFor(rid), rid, allResync || resynced.has(rid)));
    // recipients the client knew of who are not logged in any more
    const gone = new Set(round.resynced);
    // (recipient ids only: queue and session numberings are `kind/{id}`)
    if (allResync) for (const rid of this.lastSeq.keys()) if (!rid.includes('/')) gone.add(rid);
    for (const rid of gone) {
      if (batch.read[rid] || round.replays.has(rid)) continue;
      if (!subs.some((s) => canSee(s.subscriptionKey, rid))) continue;
      const data: LiveSnapshotData = { event: 'snapshot', account_id: account, recipient_id: rid, seq: 0, timestamp: batch.readAt, status: { ...NOT_LOGGED_IN_STATUS }, resync: true };
      sendEntry(rid, 0, textFrame(eventMessageJson(subFor(rid), 'snapshot', `qubicle.recipient.${account}.${rid}.snapshot`, JSON.stringify(data))));
      this.lastSeq.delete(rid);
    }
    const q = round.queueSide;
    const queueSide = q ? this.emitQueueSide(account, q, allResync) : undefined;
    this.replay(round.replays, (rid) => rid, round.resume);
    if (q) this.replay(q.replays, (id) => queueSideSeqKey('queue', id), q.resume);
    const done: LiveSnapshotCompleteData = {
      event: 'snapshot_complete',
      account_id: account,
      reason,
      recipients: entries,
      resumed: [...round.replays.keys()],
      resynced: round.resynced,
    };
    if (q && q.queueSubs.length > 0) {
      done.queues = queueSide!.queues;
      done.queues_resumed = [...q.replays.keys()];
      done.queues_resynced = q.resynced;
    }
    if (q && q.sessionSubs.length > 0) done.sessions = queueSide!.sessions;
    if (requestId !== undefined) done.request_id = requestId;
    this.host.write(textFrame(eventMessageJson(subs[0]!, 'snapshot_complete', `qubicle.recipient.${account}.snapshot_complete`, JSON.stringify(done))));
  }

  /** Each visible queue's entry (status + callers at its seq), then each visible caller's. */
  private emitQueueSide(account: string, q: QueueSideRound, allResync: boolean): { queues: number; sessions: number } {
    const resynced = new Set(q.resynced);
    let queues = 0;
    let sessions = 0;
    for (const queueId of q.entries) {
      const sub = queueSideSubscription('queue', q.queueSubs, queueId)!;
      this.host.write(textFrame(eventMessageJson(sub, 'snapshot', `qubicle.queue.${account}.${queueId}.snapshot`, q.read.queueDataJson(queueId, allResync || resynced.has(queueId)))));
      this.raise(queueSideSeqKey('queue', queueId), q.read.queues[queueId]!.seq);
      queues++;
    }
    if (q.sessionSubs.length === 0) return { queues, sessions };
    for (const queueId of q.read.ids) {
      for (const session of q.read.queues[queueId]?.sessions ?? []) {
        const sub = queueSideSubscription('session', q.sessionSubs, session.session_id);
        if (!sub) continue;
        this.host.write(textFrame(eventMessageJson(sub, 'snapshot', `qubicle.session.${account}.${session.session_id}.snapshot`, q.read.sessionDataJson(queueId, session))));
        this.raise(queueSideSeqKey('session', session.session_id), 1);
        sessions++;
      }
    }
    return { queues, sessions };
  }

  /** The buffered events after each resumed seq, through the live filter. */
  private replay(replays: ReadonlyMap<string, LiveBusEvent[]>, seqKeyOf: (id: string) => string, resume: Record<string, number>): void {
    for (const [id, events] of replays) {
      this.raise(seqKeyOf(id), resume[id] ?? 0);
      for (const ev of events) this.deliver(ev);
    }
  }

  /** What the socket has of a numbering is at least `seq`. */
  private raise(seqKey: string, seq: number): void {
    const last = this.lastSeq.get(seqKey);
    if (last === undefined || seq > last) this.lastSeq.set(seqKey, seq);
  }

  private endSync(): void {
    this.syncing--;
    if (this.syncing > 0) return;
    const held = this.pending;
    this.pending = [];
    for (const ev of held) this.deliver(ev);
  }

  /** Sends a live event if a subscription matches and it is newer than what the socket has. */
  private deliver(ev: LiveBusEvent): void {
    if (this.host.closed()) return;
    const sub = this.host.subscriptions.matching(ev);
    if (!sub) return;
    const last = this.lastSeq.get(ev.seqKey);
    if (last !== undefined && ev.seq <= last) return;
    // a session's delete is its last event: forgetting it keeps a long-lived socket's map bounded
    if (ev instanceof QueueSideEvent && ev.kind === 'session' && ev.name === 'delete') this.lastSeq.delete(ev.seqKey);
    else this.lastSeq.set(ev.seqKey, ev.seq);
    this.host.write(ev.frameFor(sub));
  }
}

/** A binding naming queues or sessions (it sees no recipient). */
function isQueueSide(s: Subscription): boolean {
  const kind = liveBindingKind(s.subscriptionKey);
  return kind === 'queue' || kind === 'session';
}

/** The recipient read of a round whose bindings see no recipient. */
function noRecipients(accountId: string): SnapshotRead {
  return {
    accountId,
    ids: [],
    read: {},
    readAt: 0,
    entryFrame: () => {
      throw new Error('no recipient entries in this read');
    },
  };
}
