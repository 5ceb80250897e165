/**
 * The simulator's caller mode: it plays KAZOO's side of a Qubicle queue and the recipients'
 * phones, and leaves the routing to the service's queue process.
 *
 * - Callers: each call creates a session and joins the queue on QUEUE_SESSIONS_QUEUE as KAZOO's
 *   callflow would (create_session, join_queue; delete_session when the caller hangs up). A
 *   caller waits up to a random patience and abandons (delete_session) if nobody answered by then;
 *   an answered caller talks for a random time and hangs up (delete_session, then the phone's
 *   hangup command, as the media side reports it).
 * - Phones: on an `offer` event for one of its recipients the phone answers after a random delay,
 *   rejects, or lets it ring (the queue's ring_timeout makes it a miss). Recipients the
 *   missed-call policy sent Away are set Ready again (when this run logged them in).
 *
 * Decisions come from the seed (rng.ts), per call number and offer attempt. The phones act only
 * on offers of this run's callers (another caller's offer is left to ring).
 */
import { isKazooId, newKazooId, QUEUE_SESSIONS_QUEUE, QubicleFailure, type RecipientEvent } from '@qubicle/contracts';
import { RecipientBusClient, type RpcCaller } from '@qubicle/client';
import { decide } from './rng.js';
import { runTimers } from './timers.js';

export interface CallerOptions {
  /** account name or 32-hex id */
  account: string;
  /** queue name (looked up with queue_list) or 32-hex id: the queue must exist */
  queue: string;
  calls: number;
  /** callers in the system at once */
  concurrency: number;
  /** per offer: answer / reject; the rest rings until the queue's ring_timeout */
  answerProb: number;
  rejectProb: number;
  /** mean time from the offer to answer / reject (uniform between half and one and a half) */
  ringMs: number;
  /** mean talk time */
  talkMs: number;
  /** mean patience of a waiting caller before it abandons; 0 = never abandons */
  patienceMs: number;
  /** log the phones in and set them Ready first */
  login: boolean;
  /** phones sent Away by the missed-call policy are set Ready again after this (only those this run logged in) */
  awayMs: number;
  /** only these recipient ids (default: the queue's roster) */
  recipients?: string[];
  seed: number;
  summaryMs: number;
  rpcTimeoutMs: number;
  /** give up when callers are in the system and nothing happened for this long */
  stallMs: number;
}

export const CALLER_DEFAULTS: Omit<CallerOptions, 'account' | 'queue'> = {
  calls: 100,
  concurrency: 10,
  answerProb: 0.85,
  rejectProb: 0.05,
  ringMs: 300,
  talkMs: 2_000,
  patienceMs: 20_000,
  login: false,
  awayMs: 1_000,
  seed: 1,
  summaryMs: 1_000,
  rpcTimeoutMs: 5_000,
  stallMs: 60_000,
};

/** an event subscription (as simulation.ts's EventSubscription; declared here so that options.ts may import this file without a circle) */
export interface CallerEventSubscription {
  cancel(): Promise<void>;
}

export interface CallerDeps {
  caller: RpcCaller;
  /** recipient events of the account (the phones ring on `offer`) */
  subscribe: (bindingKey: string, onEvent: (event: RecipientEvent) => void) => Promise<CallerEventSubscription>;
  print?: (line: string) => void;
  signal?: AbortSignal;
  shardCount?: number;
  /** every answered call, when its caller hung up (the demo logs it) */
  onCallEnded?: (call: { sessionId: string; recipientId: string | null; outcome: 'handled' | 'abandoned' }) => void;
  /** a caller's join_queue is about to be sent (a benchmark times join → offer from it) */
  onJoining?: (sessionId: string) => void;
  /** a phone of this run rang for one of this run's callers (`attempt` 1 = its first offer) */
  onOffer?: (sessionId: string, recipientId: string, attempt: number) => void;
}

export interface CallerResult {
  accountId: string;
  queueId: string;
  elapsedMs: number;
  completed: boolean;
  stalled: boolean;
  aborted: boolean;
  calls: { placed: number; joined: number; refused: number; answered: number; hungUp: number; abandoned: number; unfinished: number };
  offers: { seen: number; answered: number; rejected: number; leftRinging: number };
  errors: number;
  problems: string[];
}

interface Caller {
  index: number;
  callId: string;
  sessionId: string;
  /** the phone that answered it */
  recipientId: string | null;
  state: 'entering' | 'waiting' | 'talking' | 'ended';
  /** its delete_session is on the way (one hang-up per caller) */
  hangingUp: boolean;
  patience: NodeJS.Timeout | null;
  /**
   * a phone's answer on the way: a hangup crossing it waits for it, since the service may say the
   * call was answered (End-Reason handled) before the answer's own reply reaches this phone
   */
  answering: Promise<unknown> | null;
}

const uniform = (mean: number, u: number) => Math.round(mean * (0.5 + u));

export async function runCallers(input: Partial<CallerOptions> & Pick<CallerOptions, 'account' | 'queue'>, deps: CallerDeps): Promise<CallerResult> {
  const o: CallerOptions = { ...CALLER_DEFAULTS, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as CallerOptions;
  const print = deps.print ?? (() => {});
  const startedAt = Date.now();
  const client = new RecipientBusClient({ caller: deps.caller, timeoutMs: o.rpcTimeoutMs, service: 'qubicle-simulator', ...(deps.shardCount !== undefined ? { shardCount: deps.shardCount } : {}) });

  const account = isKazooId(o.account) ? await client.directory({ type: 'account_get', account_id: o.account }) : await client.directory({ type: 'account_find', name: o.account });
  const A = account.id;
  let Q = o.queue;
  if (!isKazooId(Q)) {
    const found = (await client.directory({ type: 'queue_list', account_id: A })).find((q) => q.name === o.queue);
    if (!found) throw new Error(`account ${account.name} has no queue named ${JSON.stringify(o.queue)}`);
    Q = found.id;
  }
  const phones = new Set(o.recipients ?? (await client.directory({ type: 'queue_roster_get', account_id: A, queue_id: Q })).recipients);
  if (phones.size === 0) throw new Error(`queue ${Q} has no members to ring`);

  const calls: CallerResult['calls'] = { placed: 0, joined: 0, refused: 0, answered: 0, hungUp: 0, abandoned: 0, unfinished: 0 };
  const offers: CallerResult['offers'] = { seen: 0, answered: 0, rejected: 0, leftRinging: 0 };
  const problems: string[] = [];
  let errors = 0;
  let ended = 0;
  let finished = false;
  let stalled = false;
  let aborted = false;
  let lastProgress = Date.now();
  const bySession = new Map<string, Caller>();
  const loggedIn = new Set<string>();
  const awayPending = new Set<string>();
  const { timers, later } = runTimers(() => finished);
  const inflight = new Set<Promise<unknown>>();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const track = (p: Promise<unknown>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  const fail = (what: string, err: unknown) => {
    errors++;
    if (problems.length < 20) problems.push(`${what}: ${err instanceof QubicleFailure ? `${err.error.code}: ${err.error.message}` : err instanceof Error ? err.message : String(err)}`);
  };
  /** a KAZOO qubicle_session message (callflow's envelope) */
  const kazoo = async (body: Record<string, unknown>): Promise<Record<string, unknown>> =>
    (await deps.caller.call(QUEUE_SESSIONS_QUEUE, { 'App-Name': 'callflow', 'App-Version': '4.3', 'Msg-ID': newKazooId(), 'Account-ID': A, ...body }, { timeoutMs: o.rpcTimeoutMs })) as Record<string, unknown>;
  const callOf = (c: Caller) => ({ 'Call-ID': c.callId, 'Caller-ID-Name': `Caller ${c.index + 1}`, 'Caller-ID-Number': `+1555${String(1_000_000 + c.index).slice(-7)}` });

  const end = (c: Caller) => {
    if (c.state === 'ended') return;
    c.state = 'ended';
    if (c.patience) clearTimeout(c.patience);
    bySession.delete(c.sessionId);
    ended++;
    lastProgress = Date.now();
    if (ended === o.calls) resolveDone();
    else place();
  };

  /** the caller hangs up: KAZOO's delete_session; then the answering phone's hangup (media side) */
  const hangUp = async (c: Caller, why: 'talked' | 'patience') => {
    if (c.hangingUp || c.state === 'ended') return;
    c.hangingUp = true;
    try {
      const reply = await kazoo({ Call: callOf(c), 'Call-ID': c.callId });
      const reason = reply['End-Reason'];
      if (why === 'patience' && reason === 'abandoned') calls.abandoned++;
      // answered as the caller gave up: the service counts it handled; the phone then hangs up too
      if (c.answering) await c.answering.catch(() => undefined);
      if (c.recipientId) {
        await client.hangup(A, c.recipientId, c.sessionId);
        calls.hungUp++;
      }
      deps.onCallEnded?.({ sessionId: c.sessionId, recipientId: c.recipientId, outcome: c.recipientId ? 'handled' : 'abandoned' });
    } catch (err) {
      fail(`hang up ${c.callId}`, err);
    } finally {
      end(c);
    }
  };

  const enter = async (c: Caller) => {
    try {
      const created = await kazoo({ Call: callOf(c), 'Call-ID': c.callId, 'Session-Type': 'callflow' });
      if (created['Result'] !== 'ok') throw new Error(`create_session refused: ${JSON.stringify(created)}`);
      c.sessionId = String(created['Session-ID']);
      bySession.set(c.sessionId, c);
      c.state = 'waiting';
      if (o.patienceMs > 0) c.patience = later(uniform(o.patienceMs, decide(o.seed, 'patience', c.index)), () => c.state === 'waiting' && track(hangUp(c, 'patience')));
      deps.onJoining?.(c.sessionId);
      const joined = await kazoo({ Call: callOf(c), 'Call-ID': c.callId, 'Join-Queue-ID': Q, 'Session-ID': c.sessionId });
      if (joined['Result'] !== 'ok') {
        calls.refused++;
        fail(`join ${c.callId}`, new Error(`join_queue refused: ${String(joined['Reason'] ?? JSON.stringify(joined))}`));
        await kazoo({ Call: callOf(c), 'Call-ID': c.callId }).catch(() => undefined);
        end(c);
        return;
      }
      calls.joined++;
      lastProgress = Date.now();
    } catch (err) {
      fail(`enter ${c.callId}`, err);
      end(c);
    }
  };

  const place = () => {
    while (!finished && calls.placed < o.calls && calls.placed - ended < o.concurrency) {
      const c: Caller = { index: calls.placed++, callId: `sim-${newKazooId()}`, sessionId: '', recipientId: null, state: 'entering', hangingUp: false, patience: null, answering: null };
      track(enter(c));
    }
  };

  /** a phone rings: answer after a delay, reject, or let it ring */
  const ring = (recipientId: string, sessionId: string, attempt: number) => {
    const caller = bySession.get(sessionId);
    if (!caller) return; // not a caller of this run: let it ring
    offers.seen++;
    lastProgress = Date.now();
    deps.onOffer?.(sessionId, recipientId, attempt);
    // keyed by the call's number (not the service's random session id): the seed decides
    const u = decide(o.seed, 'offer', caller.index, attempt);
    const delay = uniform(o.ringMs, decide(o.seed, 'ring', caller.index, attempt));
    if (u >= o.answerProb + o.rejectProb) {
      offers.leftRinging++;
      return;
    }
    later(delay, () =>
      track(
        (async () => {
          const c = bySession.get(sessionId);
          if (!c || c.state !== 'waiting' || c.hangingUp) return; // the caller gave up meanwhile (the offer was withdrawn)
          if (u < o.answerProb) {
            const answering = client.answer(A, recipientId, sessionId);
            c.answering = answering;
            try {
              await answering;
            } catch (err) {
              // the caller abandoned or the offer timed out in the meantime: not an error of the run
              if (err instanceof QubicleFailure) return;
              throw err;
            } finally {
              c.answering = null;
            }
            if (c.state !== 'waiting') return;
            c.state = 'talking';
            c.recipientId = recipientId;
            if (c.patience) clearTimeout(c.patience);
            offers.answered++;
            calls.answered++;
            later(uniform(o.talkMs, decide(o.seed, 'talk', c.index)), () => track(hangUp(c, 'talked')));
          } else {
            offers.rejected++;
            await client.reject(A, recipientId, sessionId).catch((err: unknown) => {
              if (!(err instanceof QubicleFailure)) throw err;
            });
          }
        })().catch((err: unknown) => fail(`phone ${recipientId}`, err)),
      ),
    );
  };

  const attempts = new Map<string, number>();
  const onEvent = (e: RecipientEvent) => {
    if (finished || !phones.has(e.recipient_id)) return;
    if (e.event === 'offer' && e.call?.session_id) {
      const n = (attempts.get(e.call.session_id) ?? 0) + 1;
      attempts.set(e.call.session_id, n);
      ring(e.recipient_id, e.call.session_id, n);
    } else if (e.status.availability_state === 'Away' && loggedIn.has(e.recipient_id) && !awayPending.has(e.recipient_id)) {
      // the missed-call policy sent the phone Away: back to Ready, as an agent would
      awayPending.add(e.recipient_id);
      later(o.awayMs, () => {
        awayPending.delete(e.recipient_id);
        track(client.setStatus(A, e.recipient_id, 'ready').catch((err: unknown) => fail(`ready ${e.recipient_id}`, err)));
      });
    }
  };

  const subscription = await deps.subscribe(`qubicle.recipient.${A}.*.*`, onEvent);
  try {
    if (o.login) {
      for (const id of phones) {
        await client.login(A, id);
        await client.setStatus(A, id, 'ready');
        loggedIn.add(id);
      }
    }
    const summary = o.summaryMs > 0 ? setInterval(() => print(`callers: placed ${calls.placed}, answered ${calls.answered}, abandoned ${calls.abandoned}, ended ${ended}, waiting ${bySession.size}`), o.summaryMs) : null;
    const stall = setInterval(() => {
      if (Date.now() - lastProgress > o.stallMs) {
        stalled = true;
        resolveDone();
      }
    }, Math.min(1_000, o.stallMs));
    const onAbort = () => {
      aborted = true;
      resolveDone();
    };
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    if (deps.signal?.aborted) onAbort();
    place();
    await done;
    finished = true;
    if (summary) clearInterval(summary);
    clearInterval(stall);
    deps.signal?.removeEventListener('abort', onAbort);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    // callers still in the system hang up (their sessions end), as a stopped callflow would
    const left = [...bySession.values()];
    await Promise.all([...inflight]);
    await Promise.all(left.map((c) => kazoo({ Call: callOf(c), 'Call-ID': c.callId }).then(() => (c.recipientId ? client.hangup(A, c.recipientId, c.sessionId) : undefined)).catch(() => undefined)));
  } finally {
    await subscription.cancel();
  }
  calls.unfinished = calls.placed - ended + (o.calls - calls.placed);
  return { accountId: A, queueId: Q, elapsedMs: Date.now() - startedAt, completed: ended === o.calls && !stalled && !aborted, stalled, aborted, calls, offers, errors, problems };
}
