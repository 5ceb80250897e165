/**
 * The queue simulator's core: behaves like a Qubicle queue on the bus, through
 * RecipientBusClient. Calls enter the queue (up to `concurrency` in the system at once), each
 * waiting call is offered to an available recipient of the queue (most idle first, or round
 * robin), and what happens to the offer is decided by the seed: the recipient answers, rejects,
 * lets it time out, or the caller abandons (withdraw). An answered call is hung up after its talk
 * time; a rejected or timed-out call goes back to the head of the queue; an abandoned one ends.
 *
 * Availability comes from the recipients' events (qubicle.recipient.{account}.*.*), each with
 * the status after the change and a per-recipient sequence number; without an event source the
 * simulator polls the statuses instead. Offer timeouts are seen through the `miss` event, and
 * checked with a status read a little after the deadline in case an event was lost.
 *
 * At the end the recipients' stats are read again: the calls they counted (total_calls) must be
 * exactly the answers, and their missed calls exactly the rejects plus the timeouts.
 */
import {
  accountEventBinding,
  isKazooId,
  isRetryableFailure,
  QubicleFailure,
  type BulkStatusData,
  type CallInfo,
  type OfferRefusal,
  type RecipientEvent,
  type RecipientStats,
  type RecipientStatus,
} from '@qubicle/contracts';
import { Backoff, RecipientBusClient, sleep, type RpcCaller } from '@qubicle/client';
import { decide, outcomeOf, type Outcome } from './rng.js';
import { runTimers } from './timers.js';
import { queueIdOf, validateOptions, type SimulationOptions } from './options.js';

export interface EventSubscription {
  cancel(): Promise<void>;
}

export interface SimulationDeps {
  /** RPCs to the shard and directory queues (a transport Bus fits). */
  caller: RpcCaller;
  /** Recipient events of the account; absent = the simulator polls statuses. */
  subscribe?: (bindingKey: string, onEvent: (event: RecipientEvent) => void) => Promise<EventSubscription>;
  /** Live summary lines (default: none). */
  print?: (line: string) => void;
  /** Stops the run: offers are withdrawn, calls hung up, the result says aborted. */
  signal?: AbortSignal;
  /** The cluster's shard count (default: asked from the directory). */
  shardCount?: number;
  /** ms clock (default Date.now). */
  now?: () => number;
}

export interface RecipientResult {
  id: string;
  name: string;
  /** offers this recipient accepted */
  offers: number;
  answered: number;
  rejected: number;
  timedOut: number;
  abandoned: number;
  /** stats at the start and at the end (null: not logged in then) */
  before: RecipientStats | null;
  after: RecipientStats | null;
  /** after − before, when both belong to the same login session */
  totalCallsDelta: number | null;
  missedCallsDelta: number | null;
}

export interface SimulationResult {
  accountId: string;
  accountName: string;
  queueId: string;
  elapsedMs: number;
  /** every call ended (answered and hung up, or abandoned) */
  completed: boolean;
  stalled: boolean;
  aborted: boolean;
  calls: { placed: number; answered: number; abandoned: number; unfinished: number };
  offers: {
    sent: number;
    accepted: number;
    refused: Partial<Record<OfferRefusal, number>>;
    answered: number;
    rejected: number;
    timedOut: number;
    /** withdrawn because the caller abandoned */
    abandoned: number;
    /** withdrawn because the recipient logged out while it rang */
    withdrawnByLogout: number;
    /** RPCs that failed (timeouts, bus errors) */
    errors: number;
  };
  /** recipients the missed-call policy sent Away (and the simulator set Ready again when allowed) */
  awayForMisses: number;
  recipients: RecipientResult[];
  /** sums of the recipients' stats deltas */
  totals: { totalCalls: number; missedCalls: number };
  /** totals.totalCalls === offers.answered and totals.missedCalls === rejected + timedOut */
  consistent: boolean;
  problems: string[];
}

interface Call {
  index: number;
  info: CallInfo;
  /** offers of this call that were accepted so far */
  attempts: number;
  /** the caller hung up while an offer of this call was being settled */
  abandoning: boolean;
}

interface Offer {
  call: Call;
  outcome: Outcome;
  /** the recipient's offer deadline as the simulator estimates it (ms) */
  deadline: number;
  phase: 'ringing' | 'talking';
  /** settled once: answered/rejected/timed out/withdrawn */
  settled: boolean;
  timers: NodeJS.Timeout[];
}

interface Recipient {
  id: string;
  name: string;
  status: RecipientStatus | null;
  /** seq of the last event applied (events at or below are stale) */
  seq: number;
  /** an offer RPC is in flight */
  offering: boolean;
  offer: Offer | null;
  /** not offered again until a newer event / poll says otherwise (after a refusal) */
  blocked: boolean;
  /** ms when this recipient last became free of our calls (most idle first) */
  freeSince: number;
  loggedInByUs: boolean;
  reReadyPending: boolean;
  result: RecipientResult;
}

/** back-off of a command retried after a retryable failure (200 ms, then 400 ms, ± 25 %) */
const RETRY_BACKOFF = { initialMs: 200, maxMs: 1_000 };
const RETRIES = 3;
/** after the estimated offer deadline, check the recipient's status if no miss event came */
const MISS_CHECK_GRACE_MS = 1_500;
const POLL_MS = 500;

/** Worth re-sending (same command id): the contracts' retryable table (a bus failure is timeout / unavailable). */
const isTransient = isRetryableFailure;

function describe(err: unknown): string {
  if (err instanceof QubicleFailure) return `${err.error.code}: ${err.error.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Runs one simulation; resolves with what happened (it does not throw for refusals or call
 * failures, which are counted). Rejects only when it cannot start: unknown account, no
 * recipients, the bus not answering.
 */
export async function runSimulation(input: Partial<SimulationOptions> & Pick<SimulationOptions, 'account' | 'queue'>, deps: SimulationDeps): Promise<SimulationResult> {
  const opts = validateOptions(input);
  const now = deps.now ?? Date.now;
  const print = deps.print ?? (() => {});
  const startedAt = now();
  const client = new RecipientBusClient({
    caller: deps.caller,
    timeoutMs: opts.rpcTimeoutMs,
    service: 'qubicle-simulator',
    ...(deps.shardCount !== undefined ? { shardCount: deps.shardCount } : {}),
  });
  const runId = opts.runId ?? Math.floor(Math.random() * 2 ** 32).toString(36);

  // ---- account, queue, recipients ---------------------------------------------------------------
  const account = isKazooId(opts.account)
    ? await client.directory({ type: 'account_get', account_id: opts.account })
    : await client.directory({ type: 'account_find', name: opts.account });
  const A = account.id;
  const Q = queueIdOf(opts.queue);
  let listed = await client.directory({ type: 'recipient_list', account_id: A });
  if (opts.recipients) {
    const wanted = new Set(opts.recipients);
    const unknown = opts.recipients.filter((id) => !listed.some((r) => r.id === id));
    if (unknown.length) throw new Error(`not recipients of account ${account.name}: ${unknown.join(', ')}`);
    listed = listed.filter((r) => wanted.has(r.id));
  }
  if (listed.length === 0) throw new Error(`account ${account.name} has no recipients`);

  const recipients = new Map<string, Recipient>();
  const order: Recipient[] = [];
  for (const r of listed) {
    const rec: Recipient = {
      id: r.id,
      name: r.name,
      status: null,
      seq: 0,
      offering: false,
      offer: null,
      blocked: false,
      freeSince: startedAt,
      loggedInByUs: false,
      reReadyPending: false,
      result: { id: r.id, name: r.name, offers: 0, answered: 0, rejected: 0, timedOut: 0, abandoned: 0, before: null, after: null, totalCallsDelta: null, missedCallsDelta: null },
    };
    recipients.set(r.id, rec);
    order.push(rec);
  }

  // ---- run state --------------------------------------------------------------------------------
  const waiting: Call[] = [];
  let placed = 0;
  let ended = 0;
  let answeredCalls = 0;
  let abandonedCalls = 0;
  const offers: SimulationResult['offers'] = { sent: 0, accepted: 0, refused: {}, answered: 0, rejected: 0, timedOut: 0, abandoned: 0, withdrawnByLogout: 0, errors: 0 };
  let awayForMisses = 0;
  let lastProgress = now();
  let rrCursor = 0;
  let finished = false;
  let stalled = false;
  let aborted = false;
  const problems: string[] = [];
  const { timers, later } = runTimers(() => finished);
  /** RPC sequences in flight (offer, answer...): the wind-down waits for them */
  const inflight = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const progress = () => {
    lastProgress = now();
  };
  const inSystem = () => placed - ended;
  const errorOnce = (what: string, err: unknown) => {
    offers.errors++;
    if (problems.length < 20) problems.push(`${what}: ${describe(err)}`);
  };

  /** Retries transient failures with the same command id (applied at most once by the worker). */
  async function withRetry<T>(what: string, fn: (commandId: string) => Promise<T>): Promise<T | undefined> {
    const commandId = `sim${runId}${Math.floor(Math.random() * 2 ** 48).toString(36)}`.slice(0, 64).padEnd(16, '0');
    const backoff = new Backoff(RETRY_BACKOFF);
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(commandId);
      } catch (err) {
        if (isTransient(err) && attempt < RETRIES && !finished) {
          await sleep(backoff.next(), deps.signal);
          continue;
        }
        if (err instanceof QubicleFailure && !isTransient(err)) throw err;
        errorOnce(what, err);
        return undefined;
      }
    }
  }

  // ---- recipient availability -------------------------------------------------------------------
  function dispatchable(rec: Recipient): boolean {
    const s = rec.status;
    return (
      !rec.offering &&
      rec.offer === null &&
      !rec.blocked &&
      s !== null &&
      s.availability_state === 'Ready' &&
      s.queue_availability?.[Q] !== false &&
      s.wiretapping_recipient === undefined
    );
  }

  function pick(): Recipient | undefined {
    const free = order.filter(dispatchable);
    if (free.length === 0) return undefined;
    if (opts.strategy === 'most_idle') {
      return free.reduce((best, r) => (r.freeSince < best.freeSince ? r : best));
    }
    for (let i = 0; i < order.length; i++) {
      const rec = order[(rrCursor + i) % order.length]!;
      if (dispatchable(rec)) {
        rrCursor = (order.indexOf(rec) + 1) % order.length;
        return rec;
      }
    }
    return undefined;
  }

  function setStatus(rec: Recipient, status: RecipientStatus): void {
    rec.status = status;
    rec.blocked = false;
    if (rec.loggedInByUs && opts.reReady && status.availability_state === 'Away' && status.away_reason === 'missed_calls' && !rec.reReadyPending) {
      awayForMisses++;
      rec.reReadyPending = true;
      later(opts.awayMs, () => {
        void withRetry('ready again', (commandId) => client.setStatus(A, rec.id, 'ready', { commandId }))
          .catch((err: unknown) => errorOnce('ready again', err))
          .finally(() => {
            rec.reReadyPending = false;
            kick();
          });
      });
    }
  }

  function onEvent(e: RecipientEvent): void {
    if (finished || e.account_id !== A) return;
    const rec = recipients.get(e.recipient_id);
    if (!rec || e.seq <= rec.seq) return;
    rec.seq = e.seq;
    setStatus(rec, e.status);
    const offer = rec.offer;
    if (offer && !offer.settled && offer.phase === 'ringing' && e.call?.session_id === offer.call.info.session_id) {
      if (e.event === 'miss') settleTimeout(rec, offer);
      else if (e.event === 'withdraw' && e.reason === 'logout') settleWithdrawnByLogout(rec, offer);
    }
    kick();
  }

  // ---- calls ------------------------------------------------------------------------------------
  function newCall(index: number): Call {
    const digits = String(Math.floor(decide(opts.seed, index, 'number') * 1e7)).padStart(7, '0');
    return {
      index,
      attempts: 0,
      abandoning: false,
      info: {
        queue_id: Q,
        session_id: `sim-${runId}-${index}`,
        caller_id_name: `Caller ${index + 1}`,
        caller_id_number: `+1555${digits}`,
        queue_enter_time: Math.floor(now() / 1000),
      },
    };
  }

  function endCall(call: Call, how: 'answered' | 'abandoned'): void {
    ended++;
    if (how === 'answered') answeredCalls++;
    else abandonedCalls++;
    progress();
    if (ended === opts.calls) finish();
  }

  function freeRecipient(rec: Recipient, offer: Offer): void {
    for (const t of offer.timers) {
      clearTimeout(t);
      timers.delete(t);
    }
    if (rec.offer === offer) rec.offer = null;
    rec.freeSince = now();
  }

  /** A missed offer (rejected or timed out): the call goes back to the head of the queue. */
  function requeue(call: Call): void {
    if (call.abandoning) {
      // the caller had hung up meanwhile: the call ends here
      endCall(call, 'abandoned');
      return;
    }
    waiting.unshift(call);
  }

  function settleTimeout(rec: Recipient, offer: Offer): void {
    if (offer.settled) return;
    offer.settled = true;
    offers.timedOut++;
    rec.result.timedOut++;
    freeRecipient(rec, offer);
    progress();
    requeue(offer.call);
  }

  function settleWithdrawnByLogout(rec: Recipient, offer: Offer): void {
    if (offer.settled) return;
    offer.settled = true;
    offers.withdrawnByLogout++;
    freeRecipient(rec, offer);
    progress();
    requeue(offer.call);
  }

  async function offerTo(rec: Recipient, call: Call): Promise<void> {
    rec.offering = true;
    offers.sent++;
    let reply;
    try {
      reply = await client.offer(A, rec.id, { call: call.info, offer_timeout_seconds: opts.offerTimeoutSeconds, wrapup_seconds: opts.wrapupSeconds });
    } catch (err) {
      // Unknown whether it was applied: take it back (harmless if it was not) and offer again.
      errorOnce('offer', err);
      rec.offering = false;
      rec.blocked = true;
      await client.withdraw(A, rec.id, call.info.session_id, { reason: 'other' }).catch(() => undefined);
      waiting.unshift(call);
      later(POLL_MS, () => void refresh([rec], true));
      return;
    }
    rec.offering = false;
    if (!reply.accepted) {
      offers.refused[reply.reason] = (offers.refused[reply.reason] ?? 0) + 1;
      // our view was stale: wait for the next event about this recipient, or read its status
      rec.blocked = true;
      later(POLL_MS, () => void refresh([rec], true));
      waiting.unshift(call);
      kick();
      return;
    }
    offers.accepted++;
    rec.result.offers++;
    // decided by the seed, the call and which accepted offer of it this is: the same seed gives
    // the same answered / rejected / timed out / abandoned counts however the run interleaves
    call.attempts++;
    const outcome = outcomeOf(decide(opts.seed, call.index, call.attempts, 'outcome'), {
      answer: opts.answerProb,
      reject: opts.rejectProb,
      abandon: opts.abandonProb,
    });
    progress();
    const offer: Offer = { call, outcome, deadline: now() + opts.offerTimeoutSeconds * 1000, phase: 'ringing', settled: false, timers: [] };
    rec.offer = offer;
    // safety net: no miss event after the deadline → read the status
    offer.timers.push(later(opts.offerTimeoutSeconds * 1000 + MISS_CHECK_GRACE_MS, () => track(checkMissed(rec, offer))));
    if (outcome !== 'timeout') offer.timers.push(later(opts.ringMs, () => track(act(rec, offer))));
    kick();
  }

  /** The recipient (or the caller) acts on the ringing offer. */
  async function act(rec: Recipient, offer: Offer): Promise<void> {
    if (offer.settled) return;
    const { call } = offer;
    const sid = call.info.session_id;
    try {
      if (offer.outcome === 'answer') {
        const s = await withRetry('answer', (commandId) => client.answer(A, rec.id, sid, { commandId }));
        if (s === undefined || offer.settled) return;
        offer.settled = true;
        offer.phase = 'talking';
        offers.answered++;
        rec.result.answered++;
        progress();
        const talk = Math.round(opts.talkMs * (0.5 + decide(opts.seed, call.index, 'talk')));
        offer.timers.push(later(talk, () => track(hangup(rec, offer))));
      } else if (offer.outcome === 'reject') {
        const s = await withRetry('reject', (commandId) => client.reject(A, rec.id, sid, { commandId }));
        if (s === undefined || offer.settled) return;
        offer.settled = true;
        offers.rejected++;
        rec.result.rejected++;
        freeRecipient(rec, offer);
        if (!deps.subscribe) setStatus(rec, s);
        progress();
        requeue(call);
      } else if (offer.outcome === 'abandon') {
        call.abandoning = true;
        const s = await withRetry('withdraw', (commandId) => client.withdraw(A, rec.id, sid, { commandId, reason: 'caller_hangup' }));
        if (s === undefined || offer.settled) return;
        offer.settled = true;
        offers.abandoned++;
        rec.result.abandoned++;
        freeRecipient(rec, offer);
        if (!deps.subscribe) setStatus(rec, s);
        endCall(call, 'abandoned');
      }
    } catch (err) {
      // Refused: the offer is already over (it timed out just before, or the recipient logged
      // out). The miss / withdraw event (or the status check) settles it.
      if (!(err instanceof QubicleFailure)) errorOnce(offer.outcome, err);
      if (offer.outcome === 'abandon') call.abandoning = true;
    } finally {
      kick();
    }
  }

  async function hangup(rec: Recipient, offer: Offer): Promise<void> {
    const sid = offer.call.info.session_id;
    try {
      const s = await withRetry('hangup', (commandId) => client.hangup(A, rec.id, sid, { commandId }));
      // without events, the reply is the freshest status there is
      if (s && !deps.subscribe) setStatus(rec, s);
    } catch (err) {
      // refused: the call is not being handled any more (someone else ended it); count it done anyway
      errorOnce('hangup', err);
    }
    freeRecipient(rec, offer);
    endCall(offer.call, 'answered');
    kick();
  }

  /** No miss event came after the deadline: ask the recipient. */
  async function checkMissed(rec: Recipient, offer: Offer): Promise<void> {
    if (offer.settled || offer.phase !== 'ringing') return;
    let s: RecipientStatus;
    try {
      s = await client.status(A, rec.id);
    } catch (err) {
      errorOnce('status', err);
      offer.timers.push(later(MISS_CHECK_GRACE_MS, () => track(checkMissed(rec, offer))));
      return;
    }
    if (offer.settled) return;
    if (s.availability_state === 'Call-Offer' && s.offered_call?.session_id === offer.call.info.session_id) {
      offer.timers.push(later(MISS_CHECK_GRACE_MS, () => track(checkMissed(rec, offer))));
      return;
    }
    if (s.availability_state === 'Not-Logged-In') settleWithdrawnByLogout(rec, offer);
    else settleTimeout(rec, offer);
    if (!deps.subscribe) setStatus(rec, s);
    kick();
  }

  // ---- the dispatcher ---------------------------------------------------------------------------
  let kicking = false;
  function kick(): void {
    if (kicking || finished) return;
    kicking = true;
    setImmediate(() => {
      kicking = false;
      dispatch();
    });
  }

  function dispatch(): void {
    if (finished) return;
    while (placed < opts.calls && inSystem() < opts.concurrency) {
      waiting.push(newCall(placed));
      placed++;
      progress();
    }
    for (;;) {
      const call = waiting[0];
      if (!call) break;
      const rec = pick();
      if (!rec) break;
      waiting.shift();
      track(offerTo(rec, call));
    }
  }

  /** Reads statuses (poll mode, or recipients blocked after a refusal when `blockedOnly`). */
  async function refresh(only?: Recipient[], blockedOnly = false): Promise<void> {
    const targets = (only ?? order).filter((r) => !r.offering && r.offer === null && (!blockedOnly || r.blocked));
    if (targets.length === 0 || finished) return;
    let statuses: BulkStatusData;
    try {
      statuses = await client.statusMany(A, targets.map((r) => r.id));
    } catch (err) {
      errorOnce('status', err);
      return;
    }
    for (const rec of targets) {
      if (rec.offering || rec.offer !== null || (blockedOnly && !rec.blocked)) continue;
      const s = statuses[rec.id];
      setStatus(rec, s === undefined || s === 'not_logged_in' ? { available: false, availability_state: 'Not-Logged-In' } : s);
    }
    kick();
  }

  function finish(): void {
    if (finished) return;
    finished = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    resolveDone();
  }

  // ---- run --------------------------------------------------------------------------------------
  let subscription: EventSubscription | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const onAbort = () => {
    aborted = true;
    finish();
  };
  try {
    if (deps.subscribe) subscription = await deps.subscribe(accountEventBinding(A), onEvent);

    if (opts.login) {
      await Promise.all(
        order.map(async (rec) => {
          let s = await client.login(A, rec.id); // idempotent for a recipient already logged in
          rec.loggedInByUs = true;
          if (s.availability_state === 'Away') s = await client.setStatus(A, rec.id, 'ready');
          if (s.queue_availability?.[Q] === false) await client.setStatus(A, rec.id, 'ready', { queueId: Q });
        }),
      );
    }
    const initial = await client.statusMany(A, order.map((r) => r.id));
    for (const rec of order) {
      const s = initial[rec.id];
      const status: RecipientStatus = s === undefined || s === 'not_logged_in' ? { available: false, availability_state: 'Not-Logged-In' } : s;
      // events that arrived meanwhile are newer than nothing, older than nothing we know: keep the snapshot
      if (rec.seq === 0) setStatus(rec, status);
      rec.result.before = status.stats ? { ...status.stats } : null;
    }

    if (deps.signal?.aborted) onAbort();
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    let lastSummary = now();
    let lastPoll = now();
    ticker = setInterval(() => {
      if (finished) return;
      if (opts.summaryMs > 0 && now() - lastSummary >= opts.summaryMs) {
        lastSummary = now();
        print(liveLine());
      }
      if (!deps.subscribe && now() - lastPoll >= POLL_MS) {
        lastPoll = now();
        void refresh();
      }
      const busy = order.some((r) => r.offering || r.offer !== null);
      if (!busy && waiting.length > 0 && now() - lastProgress > opts.stallMs) {
        stalled = true;
        problems.push(`stalled: ${waiting.length} call(s) waiting and no recipient available for ${Math.round(opts.stallMs / 1000)} s`);
        finish();
      }
    }, 100);
    kick();
    await done;
  } finally {
    if (ticker) clearInterval(ticker);
    deps.signal?.removeEventListener('abort', onAbort);
    finished = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
  }

  // ---- wind down: nothing may stay ringing or talking -------------------------------------------
  while (inflight.size > 0) await Promise.allSettled([...inflight]);
  await Promise.all(
    order.map(async (rec) => {
      const offer = rec.offer;
      if (!offer) return;
      const sid = offer.call.info.session_id;
      if (offer.phase === 'ringing' && !offer.settled) await client.withdraw(A, rec.id, sid, { reason: 'other' }).catch(() => undefined);
      if (offer.phase === 'talking') await client.hangup(A, rec.id, sid).catch(() => undefined);
    }),
  );
  const final = await client.statusMany(A, order.map((r) => r.id)).catch((err: unknown) => {
    problems.push(`final status: ${describe(err)}`);
    return {} as BulkStatusData;
  });
  let totalCalls = 0;
  let missedCalls = 0;
  let comparable = true;
  for (const rec of order) {
    const s = final[rec.id];
    const after = s !== undefined && s !== 'not_logged_in' && s.stats ? { ...s.stats } : null;
    rec.result.after = after;
    const before = rec.result.before;
    if (after && before && after.login_time === before.login_time) {
      rec.result.totalCallsDelta = after.total_calls - before.total_calls;
      rec.result.missedCallsDelta = after.missed_calls - before.missed_calls;
    } else if (after && !before) {
      rec.result.totalCallsDelta = after.total_calls;
      rec.result.missedCallsDelta = after.missed_calls;
    } else if (rec.result.offers > 0) {
      comparable = false;
      problems.push(`${rec.name}: ${!after ? 'logged out during the run' : 'logged in again during the run'}: its stats cannot be compared`);
    }
    totalCalls += rec.result.totalCallsDelta ?? 0;
    missedCalls += rec.result.missedCallsDelta ?? 0;
  }
  if (opts.logout) {
    await Promise.all(order.map((rec) => client.logout(A, rec.id, { reason: 'simulation_end' }).catch((err: unknown) => problems.push(`logout ${rec.name}: ${describe(err)}`))));
  }
  await subscription?.cancel().catch(() => undefined);

  const consistent = comparable && totalCalls === offers.answered && missedCalls === offers.rejected + offers.timedOut;
  if (comparable && !consistent) {
    problems.push(
      `stats do not add up: total_calls ${totalCalls} vs answered ${offers.answered}; missed_calls ${missedCalls} vs rejected+timed out ${offers.rejected + offers.timedOut}`,
    );
  }
  return {
    accountId: A,
    accountName: account.name,
    queueId: Q,
    elapsedMs: now() - startedAt,
    completed: ended === opts.calls,
    stalled,
    aborted,
    calls: { placed, answered: answeredCalls, abandoned: abandonedCalls, unfinished: placed - ended },
    offers,
    awayForMisses,
    recipients: order.map((r) => r.result),
    totals: { totalCalls, missedCalls },
    consistent,
    problems,
  };

  function liveLine(): string {
    const ringing = order.filter((r) => r.offer?.phase === 'ringing').length;
    const talking = order.filter((r) => r.offer?.phase === 'talking').length;
    const ready = order.filter((r) => r.status?.availability_state === 'Ready').length;
    const wrapup = order.filter((r) => r.status?.availability_state === 'Wrapup-Time').length;
    const secs = (now() - startedAt) / 1000;
    const refused = Object.values(offers.refused).reduce((a, b) => a + (b ?? 0), 0);
    return (
      `[sim ${secs.toFixed(1)}s] calls ${ended}/${opts.calls} done, waiting ${waiting.length}, ringing ${ringing}, talking ${talking}, recipients ready ${ready} wrapup ${wrapup} of ${order.length}` +
      ` | answered ${offers.answered} rejected ${offers.rejected} timed out ${offers.timedOut} abandoned ${offers.abandoned} refused ${refused}` +
      ` | ${(ended / Math.max(secs, 0.001)).toFixed(1)} calls/s`
    );
  }
}
