/**
 * Prometheus metrics of one worker node, from its OWN registry (never prom-client's global one),
 * with the default process metrics. Labels are low-cardinality only: a command type, an outcome
 * (an error code), an availability state, a store operation. Never a recipient, account or request id.
 *
 * The parts of the worker report through the small `WorkerMetricsSink` interface (injected through
 * their deps, optional: `NOOP_WORKER_METRICS` when absent), so that the actors, handlers, shard
 * manager and store wrapper do not depend on prom-client. Values that are a view of the node's
 * state (recipients by state, shards owned, bus connection) are computed at scrape time from the
 * sources given to `track()`.
 */
import { ERROR_CODES, WAIT_BUCKET_EDGES_SECONDS, type QueueEvent, type RecipientState } from '@qubicle/contracts';
import type { ProcessFaultKind } from '@qubicle/runtime';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Availability states of a logged-in recipient (the label values of the recipients gauge). */
export const LOGGED_IN_STATES = ['Away', 'Ready', 'Call-Offer', 'On-A-Call', 'Wrapup-Time'] as const;

/** Why a lease operation went wrong (label of qubicle_worker_lease_failures_total). */
export type LeaseFailure = 'renew_refused' | 'renew_error' | 'acquire_error' | 'expired' | 'superseded';

/** What the worker's parts report. Every method is cheap and never throws. */
export interface WorkerMetricsSink {
  /** One message handled from a shard or the directory queue. `outcome`: ok, an error code, no_reply, requeue. */
  command(command: string, outcome: string, seconds: number): void;
  /** A recipient's state was persisted: counts transitions, calls and the time spent in the state left. */
  recipientChanged(prev: RecipientState | null, next: RecipientState | null, nowMs: number): void;
  /** One store write (see store/instrumented-store.ts for the operations). */
  storeWrite(operation: string, seconds: number, ok: boolean): void;
  leaseRenewed(): void;
  leaseFailed(reason: LeaseFailure): void;
  /** One attempt to publish an event (on the topic exchange or the feed) failed; the outbox retries it. */
  eventPublishFailed(): void;
  /** A queue's committed events (callers joined, left, answered); `thresholdSeconds`: the queue's service level. */
  queueEvents(events: readonly QueueEvent[], thresholdSeconds: number): void;
  /** What became of one offer of a queue's caller. */
  queueOffer(outcome: QueueOfferOutcome): void;
}

/** Label values of qubicle_worker_queue_callers_total (no queue id: those are unbounded). */
export const QUEUE_CALLER_OUTCOMES = ['joined', 'answered', 'abandoned', 'timed_out', 'redirected', 'exited'] as const;
/** Label values of qubicle_worker_queue_offers_total. */
/** accepted / refused: the recipient's shard took the offer (ringing) or not (its state was not Ready); rejected / missed: the ringing recipient declined or did not answer; withdrawn: the caller hung up or was answered elsewhere. */
export const QUEUE_OFFER_OUTCOMES = ['accepted', 'refused', 'rejected', 'missed', 'withdrawn'] as const;
export type QueueOfferOutcome = (typeof QUEUE_OFFER_OUTCOMES)[number];

export const NOOP_WORKER_METRICS: WorkerMetricsSink = {
  command() {},
  recipientChanged() {},
  storeWrite() {},
  leaseRenewed() {},
  leaseFailed() {},
  eventPublishFailed() {},
  queueEvents() {},
  queueOffer() {},
};

/** What the scrape-time gauges read. */
export interface WorkerMetricsSources {
  /** logged-in recipients held in memory by this node */
  recipients(): Iterable<Pick<RecipientState, 'availability_state'>>;
  shardsOwned(): number;
  /** shards held but suspended: their lease cannot be renewed (store unavailable), commands answered 503 */
  shardsSuspended?(): number;
  bus: { isConnected(): boolean; readonly reconnects: number };
  /** events recorded in the store's outbox and not yet confirmed by the broker (absent: 0) */
  outboxPending?(): number;
  /** queues whose process runs on this node, with their callers (absent: no queue side) */
  queues?(): Iterable<{ sessions: readonly unknown[] }>;
}

export interface WorkerMetrics extends WorkerMetricsSink {
  readonly registry: Registry;
  /** Points the scrape-time gauges at a worker (the last call wins). */
  track(sources: WorkerMetricsSources): void;
  /** A fault outside every handler, contained by the process guards (libs/runtime). */
  uncaughtError(kind: ProcessFaultKind): void;
}

/** Every metric name the worker registers besides the default process metrics (for tests and dashboards). */
export const WORKER_METRIC_NAMES = [
  'qubicle_worker_recipients',
  'qubicle_worker_commands_total',
  'qubicle_worker_command_duration_seconds',
  'qubicle_worker_state_transitions_total',
  'qubicle_worker_calls_offered_total',
  'qubicle_worker_calls_answered_total',
  'qubicle_worker_calls_missed_total',
  'qubicle_worker_time_in_state_seconds',
  'qubicle_worker_store_write_duration_seconds',
  'qubicle_worker_store_write_errors_total',
  'qubicle_worker_shards_owned',
  'qubicle_worker_shards_suspended',
  'qubicle_worker_lease_renewals_total',
  'qubicle_worker_lease_failures_total',
  'qubicle_worker_bus_connected',
  'qubicle_worker_bus_reconnects_total',
  'qubicle_worker_uncaught_errors_total',
  'qubicle_worker_outbox_pending',
  'qubicle_worker_event_publish_failures_total',
  'qubicle_worker_queue_callers_total',
  'qubicle_worker_queue_answered_within_sl_total',
  'qubicle_worker_queue_wait_seconds',
  'qubicle_worker_queue_offers_total',
  'qubicle_worker_queue_callers_waiting',
  'qubicle_worker_queues_running',
] as const;

const COMMAND_OUTCOMES = new Set<string>(['ok', 'no_reply', 'requeue', ...ERROR_CODES]);
const STATES = new Set<string>([...LOGGED_IN_STATES, 'Not-Logged-In']);

/** Label values come from code, but a bus message is outside input: keep the label set bounded. */
function bounded(value: string, allowed: ReadonlySet<string>, other = 'other'): string {
  return allowed.has(value) ? value : other;
}

export interface WorkerMetricsOptions {
  /** Default process metrics (default true; the embedded mode turns them off: the gateway's registry has them). */
  defaultMetrics?: boolean;
  /** Command types that may appear as a label (others are counted as "other"); default: any /^[a-z_]{1,40}$/. */
  commands?: readonly string[];
}

export function createWorkerMetrics(opts: WorkerMetricsOptions = {}): WorkerMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const knownCommands = opts.commands ? new Set(opts.commands) : null;
  const commandLabel = (c: string) => (knownCommands ? bounded(c, knownCommands) : /^[a-z_]{1,40}$/.test(c) ? c : 'other');
  const registers = [registry];
  let sources: WorkerMetricsSources | null = null;

  new Gauge({
    name: 'qubicle_worker_recipients',
    help: 'Logged-in recipients held by this node, by availability state',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = new Map<string, number>(LOGGED_IN_STATES.map((s) => [s, 0]));
      for (const r of sources?.recipients() ?? []) counts.set(r.availability_state, (counts.get(r.availability_state) ?? 0) + 1);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  const commands = new Counter({
    name: 'qubicle_worker_commands_total',
    help: 'Messages handled from the shard and directory queues, by command type and outcome (ok, an error code, no_reply)',
    labelNames: ['command', 'outcome'],
    registers,
  });
  const commandDuration = new Histogram({
    name: 'qubicle_worker_command_duration_seconds',
    help: 'Time to handle one message from the shard and directory queues, by command type',
    labelNames: ['command'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const transitions = new Counter({
    name: 'qubicle_worker_state_transitions_total',
    help: 'Availability state changes of recipients, by state left (from) and state entered (to)',
    labelNames: ['from', 'to'],
    registers,
  });
  const offered = new Counter({ name: 'qubicle_worker_calls_offered_total', help: 'Calls offered to (accepted by) a recipient', registers });
  const answered = new Counter({ name: 'qubicle_worker_calls_answered_total', help: 'Offered calls answered', registers });
  const missed = new Counter({ name: 'qubicle_worker_calls_missed_total', help: 'Offered calls missed (rejected or not answered in time)', registers });
  const timeInState = new Histogram({
    name: 'qubicle_worker_time_in_state_seconds',
    help: 'How long recipients stayed in an availability state, observed when they leave it',
    labelNames: ['state'],
    buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800],
    registers,
  });
  const storeWriteDuration = new Histogram({
    name: 'qubicle_worker_store_write_duration_seconds',
    help: 'Store write latency, by store operation',
    labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const storeWriteErrors = new Counter({
    name: 'qubicle_worker_store_write_errors_total',
    help: 'Store writes that failed (including fenced writes), by store operation',
    labelNames: ['operation'],
    registers,
  });
  new Gauge({
    name: 'qubicle_worker_shards_owned',
    help: 'Shards whose queue this node consumes',
    registers,
    collect() {
      this.set(sources?.shardsOwned() ?? 0);
    },
  });
  new Gauge({
    name: 'qubicle_worker_shards_suspended',
    help: 'Shards held but suspended: the store does not answer the lease renewal, so their commands are answered 503 (docs/cluster.md)',
    registers,
    collect() {
      this.set(sources?.shardsSuspended?.() ?? 0);
    },
  });
  const leaseRenewals = new Counter({ name: 'qubicle_worker_lease_renewals_total', help: 'Shard leases renewed', registers });
  const leaseFailures = new Counter({
    name: 'qubicle_worker_lease_failures_total',
    help: 'Lease operations that went wrong: renew_refused (taken by another node), renew_error, acquire_error, expired (given up by the watchdog), superseded (another node announced a newer epoch)',
    labelNames: ['reason'],
    registers,
  });
  new Gauge({
    name: 'qubicle_worker_bus_connected',
    help: '1 while the message bus is connected',
    registers,
    collect() {
      this.set(sources?.bus.isConnected() ? 1 : 0);
    },
  });
  let reconnectsSeen = 0;
  new Counter({
    name: 'qubicle_worker_bus_reconnects_total',
    help: 'Successful re-connections of the message bus',
    registers,
    collect() {
      const now = sources?.bus.reconnects ?? 0;
      if (now > reconnectsSeen) this.inc(now - reconnectsSeen);
      reconnectsSeen = Math.max(reconnectsSeen, now);
    },
  });

  const uncaught = new Counter({
    name: 'qubicle_worker_uncaught_errors_total',
    help: 'Errors outside every handler (uncaught_exception, unhandled_rejection) contained and logged instead of ending the process',
    labelNames: ['kind'],
    registers,
  });
  new Gauge({
    name: 'qubicle_worker_outbox_pending',
    help: 'Recipient events recorded with their state change and not yet confirmed by the broker (grows while the broker is unreachable)',
    registers,
    collect() {
      this.set(sources?.outboxPending?.() ?? 0);
    },
  });
  const publishFailures = new Counter({
    name: 'qubicle_worker_event_publish_failures_total',
    help: 'Failed attempts to publish a recipient event (topic exchange or feed); the outbox sends it again',
    registers,
  });

  const queueCallers = new Counter({
    name: 'qubicle_worker_queue_callers_total',
    help: 'Callers of the queues running on this node, by outcome: joined, or how they left (answered, abandoned, timed_out, redirected, exited)',
    labelNames: ['outcome'],
    registers,
  });
  const answeredWithinSl = new Counter({
    name: 'qubicle_worker_queue_answered_within_sl_total',
    help: "Callers answered after a wait within their queue's service_level_seconds (Asterisk SL = this / answered)",
    registers,
  });
  const queueWait = new Histogram({
    name: 'qubicle_worker_queue_wait_seconds',
    help: 'Wait of queue callers who were answered or abandoned, by outcome (buckets: the service-level wait buckets)',
    labelNames: ['outcome'],
    buckets: [...WAIT_BUCKET_EDGES_SECONDS],
    registers,
  });
  const queueOffers = new Counter({
    name: 'qubicle_worker_queue_offers_total',
    help: 'Offers of queue callers to recipients, by outcome: accepted (ringing), refused (recipient not Ready), rejected (declined while ringing), missed (not answered), withdrawn',
    labelNames: ['outcome'],
    registers,
  });
  new Gauge({
    name: 'qubicle_worker_queue_callers_waiting',
    help: 'Callers in the queues running on this node (waiting or ringing)',
    registers,
    collect() {
      let n = 0;
      for (const q of sources?.queues?.() ?? []) n += q.sessions.length;
      this.set(n);
    },
  });
  new Gauge({
    name: 'qubicle_worker_queues_running',
    help: 'Queue processes running on this node',
    registers,
    collect() {
      let n = 0;
      for (const _ of sources?.queues?.() ?? []) n++;
      this.set(n);
    },
  });
  const leaveOutcomes = new Set<string>(['abandoned', 'timed_out', 'redirected', 'exited']);

  return {
    registry,
    track(s) {
      sources = s;
    },
    uncaughtError(kind) {
      uncaught.inc({ kind });
    },
    command(command, outcome, seconds) {
      const c = commandLabel(command);
      commands.inc({ command: c, outcome: bounded(outcome, COMMAND_OUTCOMES) });
      commandDuration.observe({ command: c }, seconds);
    },
    recipientChanged(prev, next, nowMs) {
      const from = prev?.availability_state ?? 'Not-Logged-In';
      const to = next?.availability_state ?? 'Not-Logged-In';
      const sameSession = prev !== null && next !== null && prev.login_session_id === next.login_session_id;
      if (from !== to) {
        transitions.inc({ from: bounded(from, STATES), to: bounded(to, STATES) });
        if (prev !== null) {
          // last_action_time is stamped (unix seconds) on every availability change
          const seconds = Math.max(0, nowMs / 1000 - prev.stats.last_action_time);
          timeInState.observe({ state: bounded(from, STATES) }, seconds);
        }
      }
      if (next !== null && to === 'Call-Offer' && (from !== 'Call-Offer' || !sameSession || prev?.offered_call?.session_id !== next.offered_call?.session_id)) {
        offered.inc();
      }
      if (sameSession && prev && next) {
        const a = next.stats.total_calls - prev.stats.total_calls;
        const m = next.stats.missed_calls - prev.stats.missed_calls;
        if (a > 0) answered.inc(a);
        if (m > 0) missed.inc(m);
      }
    },
    storeWrite(operation, seconds, ok) {
      storeWriteDuration.observe({ operation }, seconds);
      if (!ok) storeWriteErrors.inc({ operation });
    },
    leaseRenewed() {
      leaseRenewals.inc();
    },
    leaseFailed(reason) {
      leaseFailures.inc({ reason });
    },
    eventPublishFailed() {
      publishFailures.inc();
    },
    queueEvents(events, thresholdSeconds) {
      for (const e of events) {
        if (e.event === 'join') queueCallers.inc({ outcome: 'joined' });
        else if (e.event === 'delivered') {
          // a delivered caller is followed by its `leave` (reason delivered): counted here only
          const wait = e.wait ?? 0;
          queueCallers.inc({ outcome: 'answered' });
          queueWait.observe({ outcome: 'answered' }, wait);
          if (wait <= thresholdSeconds) answeredWithinSl.inc();
        } else if (e.event === 'leave' && e.reason !== 'delivered') {
          const outcome = bounded(e.reason ?? '', leaveOutcomes, 'exited');
          queueCallers.inc({ outcome });
          if (outcome === 'abandoned') queueWait.observe({ outcome }, e.wait ?? 0);
        }
      }
    },
    queueOffer(outcome) {
      queueOffers.inc({ outcome });
    },
  };
}
