/**
 * The running queues of one node: one QueueActor per queue of the shards it holds. The lease book
 * calls `take` when a shard is taken (after its recipients are loaded, before it is consumed),
 * `drain` / `drop` when it is handed over or lost. A queue starts on `ensureStarted` (its document
 * read from the QueueDocSource) or by itself on the first message for it; once it has a stored
 * state it is restarted by whichever node takes its shard.
 *
 * Member statuses: the registry subscribes to the recipient events of every account that has a
 * running queue here (`qubicle.recipient.{account}.*.*`) and feeds each event to the queues whose
 * roster names the recipient; a started queue first reads its members' statuses (with their seqs).
 */
import { accountEventBinding, EVENTS_EXCHANGE, shardOf, validateRecipientEvent, type RpcReply } from '@qubicle/contracts';
import type { Bus, Consumer, Logger } from '@qubicle/transport';
import type { Fence } from '../../store/port.js';
import type { QueueRuntimeStore } from '../../store/ports/queues-runtime.js';
import type { QueueInput } from '../machine/index.js';
import { memberIndex } from '../machine/members.js';
import { routingSettingsOf } from '@qubicle/contracts';
import type { QueueDocSource } from './doc-source.js';
import { QueueActor, type QueueActorEnv } from './queue-actor.js';
import type { QueueEventRelay } from './queue-relay.js';

export interface QueueRegistryOptions {
  env: QueueActorEnv;
  store: QueueRuntimeStore;
  docs: QueueDocSource;
  relay: QueueEventRelay;
  bus: Pick<Bus, 'subscribe'>;
  logger: Logger;
  shardCount: number;
  /** How long a hand-over waits for the shard's queues and their events (default QUEUE_DRAIN_MS); the rest stays in the outbox for the next owner. */
  drainMs?: number;
  /** Statuses of several recipients with their event seqs (get_status_many through the shard client). */
  readStatuses(accountId: string, recipientIds: string[]): Promise<Array<{ recipient_id: string; seq: number; status: import('@qubicle/contracts').RecipientStatus }>>;
}

/**
 * A hand-over waits this long for the shard's queues to finish their inputs and their events to be
 * published, as the sessions' (SESSION_DRAIN_MS): a broker refusing events must not hold the shard
 * forever. What is not out by then stays in the queue outbox; the next owner publishes it first.
 */
export const QUEUE_DRAIN_MS = 2_000;

export class QueueRegistry {
  private readonly actors = new Map<string, QueueActor>();
  private readonly subscriptions = new Map<string, Promise<Consumer | null>>();

  constructor(private readonly o: QueueRegistryOptions) {}

  shardOf(accountId: string, queueId: string): number {
    return shardOf(accountId, queueId, this.o.shardCount);
  }

  peek(accountId: string, queueId: string): QueueActor | undefined {
    return this.actors.get(`${accountId}/${queueId}`);
  }

  /** Every queue actor of the node (tests, status). */
  all(): QueueActor[] {
    return [...this.actors.values()];
  }

  private actorFor(accountId: string, queueId: string): QueueActor {
    const k = `${accountId}/${queueId}`;
    let a = this.actors.get(k);
    if (!a || a.isStopped) {
      a = new QueueActor(this.o.env, { accountId, queueId, shard: this.shardOf(accountId, queueId) });
      this.actors.set(k, a);
      void this.subscribe(accountId);
    }
    return a;
  }

  /** An input for a queue of a held shard (creating its actor: it reads its state on the first input). */
  dispatch(accountId: string, queueId: string, input: QueueInput, admitted?: Fence): Promise<RpcReply<unknown>> {
    return this.actorFor(accountId, queueId).send(input, admitted);
  }

  /**
   * Makes sure the queue runs: an actor with a state here is running; otherwise the document is
   * read and the queue started (fresh, or keeping a stored state). 'unknown_queue' without a document.
   * `refresh` (ensure_queues_started): a running queue takes its current document and roster too,
   * keeping its callers — how a changed queue document reaches its process.
   */
  async ensureStarted(accountId: string, queueId: string, admitted?: Fence, opts: { refresh?: boolean } = {}): Promise<{ started: boolean } | 'unknown_queue' | RpcReply<never>> {
    const actor = this.actorFor(accountId, queueId);
    const running = await actor.read((s) => s !== null);
    if (running === 'stopped') return { ok: false, error: { code: 'unavailable', message: 'shard moved; retry' } };
    if (running && !opts.refresh) return { started: false };
    const view = await this.o.docs.get(accountId, queueId);
    if (!view) return running ? { started: false } : 'unknown_queue';
    if (running) {
      // refresh: the current document and roster (a start on a running queue keeps its callers)
      const reply = await actor.send({ type: 'start', input_id: this.o.env.newId(), account_id: accountId, queue_id: queueId, settings: routingSettingsOf(view.doc), members: view.members }, admitted);
      if (!reply.ok) return reply as RpcReply<never>;
      await this.refreshMembers(actor, view.members);
      return { started: false };
    }
    // subscribed before the statuses are read: no event falls between the read and the subscription
    await this.subscribe(accountId);
    const reply = await actor.send({ type: 'start', input_id: this.o.env.newId(), account_id: accountId, queue_id: queueId, settings: routingSettingsOf(view.doc), members: view.members }, admitted);
    if (!reply.ok) return reply as RpcReply<never>;
    await this.refreshMembers(actor, view.members);
    return { started: true };
  }

  /**
   * The queue API deleted the queue (stop_queue): its process stops (callers exit, event `delete`,
   * state removed) — only once the document source confirms the document is gone, so that a stray
   * or late message never throws callers out of a queue that exists.
   */
  async stopDeleted(accountId: string, queueId: string, inputId: string, admitted?: Fence): Promise<{ stopped: true } | { stopped: false; reason: 'not_running' | 'queue_exists' } | RpcReply<never>> {
    if (await this.o.docs.get(accountId, queueId)) return { stopped: false, reason: 'queue_exists' };
    const actor = this.actorFor(accountId, queueId);
    const running = await actor.read((s) => s !== null);
    if (running === 'stopped') return { ok: false, error: { code: 'unavailable', message: 'shard moved; retry' } };
    if (!running) return { stopped: false, reason: 'not_running' };
    const reply = await actor.send({ type: 'stop', input_id: inputId, reason: 'deleted' }, admitted);
    if (!reply.ok) return reply as RpcReply<never>;
    return { stopped: true };
  }

  /** Reads the members' statuses and feeds them (applied only when newer than what the queue knows). */
  async refreshMembers(actor: QueueActor, members: string[]): Promise<void> {
    if (members.length === 0) return;
    try {
      const statuses = await this.o.readStatuses(actor.key.accountId, members);
      for (const s of statuses) await actor.send({ type: 'member_status', recipient_id: s.recipient_id, seq: s.seq, status: s.status });
    } catch (err) {
      this.o.logger.warn({ err, queue_id: actor.key.queueId }, 'member statuses could not be read (events will tell)');
    }
  }

  /**
   * A shard was taken: its leftover queue events are published first, then every stored queue
   * of the shard is adopted (timers re-armed, outstanding offers re-sent under the new epoch) and
   * restarted with its current document and roster, and every other queue of those accounts on
   * this shard is started. A stored queue whose document is definitively gone (the source's `get`
   * answers none: what stop_queue checks) is stopped as stop_queue would have — the queue API's
   * delete whose stop_queue reached no process (no owner then) takes effect at the latest here.
   * A source that fails, or a `list` that is empty, stops nothing (it must never throw callers out).
   */
  async take(shard: number, fence: Fence): Promise<void> {
    const leftovers = await this.o.store.listQueueOutbox(shard);
    if (leftovers.length > 0) await this.o.relay.add(shard, leftovers);
    const stored = await this.o.store.listQueuesByShard(shard);
    const accounts = new Set<string>();
    for (const q of stored) {
      const k = `${q.state.account_id}/${q.state.queue_id}`;
      this.actors.get(k)?.stop();
      const actor = new QueueActor(this.o.env, { accountId: q.state.account_id, queueId: q.state.queue_id, shard });
      this.actors.set(k, actor);
      actor.adopt(q.state, fence);
      accounts.add(q.state.account_id);
      void this.subscribe(q.state.account_id);
    }
    // not awaited: the documents and statuses are read while the shard is already consumed
    void (async () => {
      for (const q of stored) {
        const { account_id: accountId, queue_id: queueId } = q.state;
        const gone = await this.o.docs.get(accountId, queueId).then((v) => v === null, () => false);
        if (gone) await this.stopDeleted(accountId, queueId, `stop-on-take:${queueId}:${fence.epoch}`, fence).catch(() => undefined);
      }
      for (const accountId of accounts) {
        const ids = await this.o.docs.list(accountId).catch(() => [] as string[]);
        for (const id of ids) if (this.shardOf(accountId, id) === shard) await this.ensureStarted(accountId, id, fence).catch(() => undefined);
      }
    })();
  }

  /**
   * Resolves when every queue of the shard finished its inputs and its events were published (true),
   * or after drainMs (false): an actor waits for its events' publish, so both are bounded together.
   * The lease book then drops the shard (`drop`: the relay stops retrying, the actors stop) and
   * the events not yet out stay in the outbox, for the next owner to publish before its own.
   */
  async drain(shard: number): Promise<boolean> {
    const clock = this.o.env.clock;
    const done = (async () => {
      await Promise.all([...this.actors.values()].filter((a) => a.key.shard === shard).map((a) => a.idle()));
      await this.o.relay.drain(shard);
      return true;
    })();
    let timer: ReturnType<typeof clock.setTimer> | undefined;
    const late = new Promise<false>((resolve) => {
      timer = clock.setTimer(clock.now() + (this.o.drainMs ?? QUEUE_DRAIN_MS), () => resolve(false));
    });
    const out = await Promise.race([done, late]);
    if (timer !== undefined) clock.clearTimer(timer);
    if (!out) this.o.logger.warn({ shard }, 'queue events of the shard not all published in time: they stay in the outbox for the next owner');
    return out;
  }

  /** The shard is gone: its queue actors stop without writing. */
  drop(shard: number): number {
    let n = 0;
    for (const [k, a] of this.actors) {
      if (a.key.shard !== shard) continue;
      a.stop();
      this.actors.delete(k);
      n++;
    }
    this.o.relay.drop(shard);
    return n;
  }

  async close(): Promise<void> {
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
    const subs = [...this.subscriptions.values()];
    this.subscriptions.clear();
    await Promise.all(subs.map(async (s) => (await s)?.cancel().catch(() => undefined)));
  }

  /** One subscription per account to its recipients' events (member statuses and offer outcomes). */
  private subscribe(accountId: string): Promise<Consumer | null> {
    let sub = this.subscriptions.get(accountId);
    if (sub) return sub;
    sub = this.o.bus
      .subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [accountEventBinding(accountId)] }, async (msg) => {
        const v = validateRecipientEvent(msg.body);
        if (!v.ok) return;
        const e = v.value;
        for (const actor of this.actors.values()) {
          if (actor.key.accountId !== e.account_id || actor.isStopped) continue;
          // the roster is sorted by recipient id: a binary search (every event is looked up in every queue of the account)
          const members = actor.state?.members;
          if (!members || memberIndex(members, e.recipient_id) < 0) continue;
          void actor.send({ type: 'member_status', recipient_id: e.recipient_id, seq: e.seq, status: e.status, event: e.event, ...(e.call ? { call: e.call } : {}) });
        }
      })
      .catch((err: unknown) => {
        this.o.logger.error({ err, account_id: accountId }, 'recipient events subscription failed');
        this.subscriptions.delete(accountId);
        return null;
      });
    this.subscriptions.set(accountId, sub);
    return sub;
  }
}
