/**
 * The caller sessions of the shards this node holds: a session belongs to the shard
 * `shardOf(account_id, call_id)` (docs/queues.md, "Sessions" and "Failover guarantees"), and only
 * that shard's owner runs its machine (../session). Every worker takes KAZOO's messages and the
 * queues' reports and sends them here (`session_request`, `session_report`, session-service.ts);
 * this host runs them one at a time per call (a mailbox per call), and for each input, in order:
 * transition; PERSIST the session with its events, fenced by the shard's lease, the session outbox
 * in the same atomic write; hand the events to the relay (published in order, removed from the
 * outbox once out); then the outward step (the queue's join or hangup) whose answer is the next
 * input. A fenced write means the shard moved: nothing was written, the message is answered
 * `unavailable` and requeued for the new owner, which publishes the shard's leftover session
 * events first (`take`).
 */
import {
  DEFAULT_CALLER_PRIORITY,
  errorReply,
  okReply,
  type CreateSessionReply,
  type DeleteSessionReply,
  type JoinQueueReply,
  type QueueHangupReply,
  type QueueJoinReply,
  type RpcReply,
  type SessionEvent,
  type SessionReportCommand,
  type SessionReportReply,
  type SessionRequestCommand,
  type SessionRequestReply,
} from '@qubicle/contracts';
import type { Logger } from '@qubicle/transport';
import { Mailbox } from '../../actor/mailbox.js';
import type { Clock } from '../../clock.js';
import { isStoreError, type Fence } from '../../store/port.js';
import type { QueueRuntimeStore } from '../../store/ports/queues-runtime.js';
import { sessionTransition } from '../session/index.js';
import type { CallerSessionState, SessionInput, SessionTransitionResult } from '../session/types.js';
import { commandIdOf } from './command-id.js';
import type { SessionEventRelay } from './session-relay.js';

/** What the host sends to the queues (queue_join / queue_hangup on the queue's shard). */
export interface SessionQueuePort {
  join(accountId: string, queueId: string, s: CallerSessionState, priority: number, commandId: string, visited: string[]): Promise<QueueJoinReply>;
  hangup(accountId: string, queueId: string, sessionId: string, commandId: string): Promise<QueueHangupReply>;
}

export interface SessionHostOptions {
  store: QueueRuntimeStore;
  queues: SessionQueuePort;
  relay: SessionEventRelay;
  clock: Clock;
  logger: Logger;
  node: string;
  shardOf(accountId: string, callId: string): number;
  onFenced(shard: number): void;
  newSessionId(): string;
  /** How long a hangup waits for the queue's report when the queue no longer held the caller (default SESSION_REPORT_WAIT_MS). */
  reportWaitMs?: number;
  /** How long a hand-over waits for the shard's session events to go out (default SESSION_DRAIN_MS); the rest stays in the outbox for the next owner. */
  drainMs?: number;
}

/** A hangup whose queue had already let the caller go waits this long for that queue's report. */
export const SESSION_REPORT_WAIT_MS = 3_000;
/** A hand-over waits this long for the shard's session events: a broker that does not take them must not hold the shard. */
export const SESSION_DRAIN_MS = 2_000;

/** Thrown inside a step: the shard moved (fenced) or the store failed; nothing was applied. */
class StepFailed extends Error {
  constructor(readonly reply: RpcReply<never>) {
    super(reply.ok ? 'step failed' : reply.error.message);
  }
}

export class SessionHost {
  private readonly mailboxes = new Map<string, { box: Mailbox; shard: number }>();
  /** per call: resolved when a step ends its session (a hangup waiting for its queue's report) */
  private readonly endWaiters = new Map<string, Set<() => void>>();

  constructor(private readonly o: SessionHostOptions) {}

  /** KAZOO's message, sent on by the worker that took it; answered in KAZOO's reply format. */
  async request(msg: SessionRequestCommand, fence: Fence): Promise<RpcReply<SessionRequestReply>> {
    try {
      if (msg.kind === 'create_session') return okReply(await this.create(msg, fence), this.o.node);
      if (msg.kind === 'join_queue') return okReply(await this.join(msg, fence), this.o.node);
      return okReply(await this.delete(msg, fence), this.o.node);
    } catch (err) {
      if (err instanceof StepFailed) return err.reply;
      throw err;
    }
  }

  /** A queue's report on one of its callers (delivered, ended, redirected). */
  async report(msg: SessionReportCommand, fence: Fence): Promise<RpcReply<SessionReportReply>> {
    const A = msg.account_id;
    try {
      const applied = await this.inMailbox(A, msg.call_id, async () => {
        if (msg.report === 'delivered') return this.step(A, msg.call_id, fence, { type: 'session_delivered', session_id: msg.session_id, queue_id: msg.queue_id, recipient_id: msg.recipient_id! });
        if (msg.report === 'ended') return this.step(A, msg.call_id, fence, { type: 'session_ended', session_id: msg.session_id, queue_id: msg.queue_id, reason: msg.reason! });
        return this.redirected(msg, fence);
      });
      return okReply({ applied }, this.o.node);
    } catch (err) {
      if (err instanceof StepFailed) return err.reply;
      throw err;
    }
  }

  /** A shard was taken: its unpublished session events go out first (before any newer one of the shard). */
  async take(shard: number): Promise<void> {
    const leftovers = await this.o.store.listSessionOutbox(shard);
    if (leftovers.length > 0) void this.o.relay.add(shard, leftovers);
  }

  /** Resolves when the shard's session steps so far are done and their events published (or after drainMs: they stay in the outbox). */
  async drain(shard: number): Promise<void> {
    await Promise.all([...this.mailboxes.values()].filter((m) => m.shard === shard).map((m) => m.box.idle()));
    let timer: ReturnType<Clock['setTimer']> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = this.o.clock.setTimer(this.o.clock.now() + (this.o.drainMs ?? SESSION_DRAIN_MS), resolve);
    });
    await Promise.race([this.o.relay.drain(shard), late]);
    if (timer !== undefined) this.o.clock.clearTimer(timer);
  }

  /** The shard is gone: its events stay in the outbox for the next owner (its writes are fenced anyway). */
  drop(shard: number): void {
    this.o.relay.drop(shard);
  }

  // ---- KAZOO's messages

  private async create(m: SessionRequestCommand, fence: Fence): Promise<CreateSessionReply> {
    const r = await this.inMailbox(m.account_id, m.call_id, async () => {
      const stored = await this.load(m.account_id, m.call_id);
      const input: SessionInput = {
        type: 'create_session',
        input_id: inputId(m, 'create', stored),
        account_id: m.account_id,
        call_id: m.call_id,
        session_type: m.session_type ?? '',
        caller_id_name: m.caller_id_name ?? '',
        caller_id_number: m.caller_id_number ?? '',
      };
      return (await this.commit(stored, input, fence)).reply;
    });
    const data = (r.ok ? r.data : null) as { session_id?: string } | null;
    if (!data?.session_id) return { 'Call-ID': m.call_id, Result: 'failed', Reason: 'unavailable' };
    return { 'Call-ID': m.call_id, 'Session-ID': data.session_id, Result: 'ok' };
  }

  private async join(m: SessionRequestCommand, fence: Fence): Promise<JoinQueueReply> {
    const A = m.account_id;
    const Q = m.queue_id!;
    const ids = { 'Call-ID': m.call_id, 'Session-ID': m.session_id!, 'Join-Queue-ID': Q };
    return this.inMailbox(A, m.call_id, async (): Promise<JoinQueueReply> => {
      const loaded = await this.load(A, m.call_id);
      // the check records the queue it goes to (a hangup meanwhile tells that queue too)
      const check = await this.commit(loaded, { type: 'join_queue', input_id: inputId(m, 'join', loaded), session_id: m.session_id!, queue_id: Q }, fence);
      const session = check.state;
      const c = (check.reply.ok ? check.reply.data : { ok: false, reason: 'unknown_session' }) as { ok: boolean; reason?: string };
      if (!c.ok || !session) return { ...ids, Result: 'failed', Reason: (c.reason ?? 'unknown_session') as never };
      // the join's id: a redelivered join_queue is answered its first reply by the queue
      let reply: QueueJoinReply;
      try {
        reply = await this.o.queues.join(A, Q, session, m.priority ?? DEFAULT_CALLER_PRIORITY, commandIdOf(inputId(m, `join:${Q}`, session)), []);
      } catch (err) {
        // the queue's shard did not answer: nothing recorded here; KAZOO's retry (same Msg-ID) is answered by the queue's first reply
        this.o.logger.warn({ err, queue_id: Q, session_id: session.session_id }, 'queue_join failed');
        return { ...ids, Result: 'failed', Reason: 'unavailable', 'Error-Message': (err as Error).message.slice(0, 1000) };
      }
      if (reply.joined) {
        await this.step(A, m.call_id, fence, { type: 'queue_joined', session_id: session.session_id, queue_id: Q });
        return { ...ids, Result: 'ok', Position: reply.position, 'Estimated-Wait': reply.estimated_wait };
      }
      // timed out at the door into its overflow queue: that queue's join (by the redirect report) takes it
      if (reply.redirected_to) return { ...ids, Result: 'ok', Position: 1, 'Estimated-Wait': 0, 'Redirected-To': reply.redirected_to };
      await this.step(A, m.call_id, fence, { type: 'queue_join_refused', session_id: session.session_id, queue_id: Q });
      return { ...ids, Result: 'failed', Reason: reply.reason };
    });
  }

  /**
   * The caller hung up. In a queue: the queue is told first (queue_hangup). It still held the
   * caller → abandoned. It did not (it had just delivered, timed out or redirected the caller, and
   * its report is on the way) → the report decides, waited for up to reportWaitMs; a report that
   * never comes (lost with the queue's worker) leaves the session abandoned.
   */
  private async delete(m: SessionRequestCommand, fence: Fence): Promise<DeleteSessionReply> {
    const A = m.account_id;
    const call = m.call_id;
    // listening before the hangup runs: a report applied right after it cannot be missed
    const end = this.endOf(A, call, this.o.reportWaitMs ?? SESSION_REPORT_WAIT_MS);
    let first: CallerSessionState | null;
    try {
      first = await this.inMailbox(A, call, async () => {
        const stored = await this.load(A, call);
        if (!stored) return null;
        const id = inputId(m, 'delete', stored);
        const result = await this.commit(stored, { type: 'delete_session', input_id: id }, fence);
        const s = result.state ?? stored;
        const tell = s.hung_up && s.phase !== 'ended' && s.queue_id ? { queue_id: s.queue_id, session_id: s.session_id } : null;
        if (!tell) return s;
        let removed = false;
        try {
          removed = (await this.o.queues.hangup(A, tell.queue_id, tell.session_id, commandIdOf(`hangup:${id}`))).removed;
        } catch (err) {
          // the queue's shard did not answer: its report (or the wait's end) decides
          this.o.logger.warn({ err, queue_id: tell.queue_id, session_id: tell.session_id }, 'queue_hangup failed; waiting for the queue’s report');
        }
        return (await this.commit(s, { type: 'queue_hangup_done', session_id: tell.session_id, queue_id: tell.queue_id, removed }, fence)).state ?? s;
      });
    } catch (err) {
      end.cancel();
      throw err;
    }
    if (!first) {
      end.cancel();
      return { 'Call-ID': call, Result: 'failed', Reason: 'unknown_session' };
    }
    let s = first;
    if (s.phase === 'ended' || !s.hung_up) end.cancel();
    else {
      await end.promise;
      const was = first;
      s = await this.inMailbox(A, call, async () => {
        const now = await this.load(A, call);
        if (!now || now.session_id !== was.session_id) return was;
        return (await this.commit(now, { type: 'report_overdue', session_id: now.session_id }, fence)).state ?? now;
      });
    }
    return { 'Call-ID': call, 'Session-ID': s.session_id, Result: 'ok', 'End-Reason': s.end_reason ?? 'abandoned' };
  }

  /** Timed out into the overflow queue: the join is sent there; a caller who hung up meanwhile ends abandoned. */
  private async redirected(msg: SessionReportCommand, fence: Fence): Promise<boolean> {
    const A = msg.account_id;
    const session = await this.load(A, msg.call_id);
    if (!session || session.session_id !== msg.session_id || session.phase === 'ended') return false;
    if (session.hung_up) return (await this.commit(session, { type: 'session_ended', session_id: session.session_id, queue_id: msg.queue_id, reason: 'abandoned' }, fence)).state !== session;
    const to = msg.to_queue_id!;
    const reply = await this.o.queues.join(A, to, session, msg.priority ?? DEFAULT_CALLER_PRIORITY, commandIdOf(`redirect:${msg.session_id}:${to}`), msg.visited ?? []);
    if (reply.joined) return (await this.commit(session, { type: 'queue_joined', session_id: session.session_id, queue_id: to }, fence)).state !== session;
    if (reply.redirected_to) return false; // on again: that queue's own redirect report follows
    return (await this.commit(session, { type: 'session_ended', session_id: session.session_id, queue_id: to, reason: 'timed_out' }, fence)).state !== session;
  }

  // ---- the steps

  /** Runs `task` after every earlier task of the same call; the mailbox goes when idle. */
  private inMailbox<T>(accountId: string, callId: string, task: () => Promise<T>): Promise<T> {
    const k = `${accountId}/${callId}`;
    let entry = this.mailboxes.get(k);
    if (!entry) {
      entry = { box: new Mailbox(), shard: this.o.shardOf(accountId, callId) };
      this.mailboxes.set(k, entry);
    }
    const mine = entry;
    return mine.box.post(task).finally(() => {
      if (mine.box.size === 0 && this.mailboxes.get(k) === mine) this.mailboxes.delete(k);
    });
  }

  /** One input on the stored session (in its mailbox): whether it changed anything. */
  private async step(accountId: string, callId: string, fence: Fence, input: SessionInput): Promise<boolean> {
    const stored = await this.load(accountId, callId);
    return (await this.commit(stored, input, fence)).state !== stored;
  }

  private async load(accountId: string, callId: string): Promise<CallerSessionState | null> {
    try {
      return await this.o.store.loadCallSession(accountId, callId);
    } catch (err) {
      this.o.logger.error({ err, call_id: callId }, 'session read failed');
      throw new StepFailed(this.unavailable(`datastore unavailable: ${(err as Error).message}`));
    }
  }

  /** Transition, then the fenced write of the session with its events, then the events to the relay. */
  private async commit(stored: CallerSessionState | null, input: SessionInput, fence: Fence): Promise<SessionTransitionResult> {
    const result = sessionTransition(stored, input, this.ctx());
    if (!result.state || !result.effects.some((e) => e.type === 'persist')) return result;
    const events: SessionEvent[] = [];
    for (const e of result.effects) if (e.type === 'publish') events.push(e.event);
    const shard = this.o.shardOf(result.state.account_id, result.state.call_id);
    try {
      await this.o.store.saveCallSession({ session: result.state, shard, events }, fence);
    } catch (err) {
      if (isStoreError(err, 'fenced')) {
        this.o.logger.warn({ shard, epoch: fence.epoch, call_id: result.state.call_id }, 'session write fenced: shard lost');
        this.o.onFenced(shard);
        throw new StepFailed(this.unavailable(`shard ${shard} is no longer served by ${this.o.node}; retry`));
      }
      this.o.logger.error({ err, call_id: result.state.call_id }, 'session write failed; nothing applied');
      throw new StepFailed(this.unavailable(`datastore unavailable: ${(err as Error).message}`));
    }
    // in order per shard, retried through broker faults; not awaited: KAZOO's answer does not wait for the broker
    if (events.length > 0) void this.o.relay.add(shard, events);
    if (result.state.phase === 'ended') this.ended(result.state.account_id, result.state.call_id);
    return result;
  }

  /** Resolves when the call's session ends, or after `ms`; `cancel` when it is not needed. */
  private endOf(accountId: string, callId: string, ms: number): { promise: Promise<void>; cancel(): void } {
    const k = `${accountId}/${callId}`;
    let waiters = this.endWaiters.get(k);
    if (!waiters) {
      waiters = new Set();
      this.endWaiters.set(k, waiters);
    }
    const set = waiters;
    let done = (): void => undefined;
    const promise = new Promise<void>((resolve) => {
      const timer = this.o.clock.setTimer(this.o.clock.now() + ms, () => done());
      done = () => {
        this.o.clock.clearTimer(timer);
        set.delete(done);
        if (set.size === 0 && this.endWaiters.get(k) === set) this.endWaiters.delete(k);
        resolve();
      };
      set.add(done);
    });
    return { promise, cancel: () => done() };
  }

  private ended(accountId: string, callId: string): void {
    for (const done of [...(this.endWaiters.get(`${accountId}/${callId}`) ?? [])]) done();
  }

  private unavailable(message: string): RpcReply<never> {
    return errorReply({ code: 'unavailable', message }, this.o.node);
  }

  private ctx() {
    return { now: this.o.clock.now(), node: this.o.node, newSessionId: this.o.newSessionId };
  }
}

/**
 * The message's Msg-ID (KAZOO always sends one: a redelivery carries the same), else one derived
 * from the call and its current session, so that a message without one is applied once per session.
 */
function inputId(m: Pick<SessionRequestCommand, 'msg_id' | 'call_id'>, kind: string, current: CallerSessionState | null): string {
  return m.msg_id !== undefined ? `${kind}:${m.msg_id}` : `${kind}:${m.call_id}:${current && current.phase !== 'ended' ? current.session_id : current ? `after:${current.session_id}` : '-'}`;
}
