/**
 * The simulator's options: defaults, the command line (node:util's parseArgs: `--name value` or
 * `--name=value`; booleans as `--login` / `--no-login`) and validation. A bad option is a
 * UsageError naming it.
 */
import { createHash } from 'node:crypto';
import { parseArgs as parseCommandLine } from 'node:util';
import { isKazooId } from '@qubicle/contracts';
import { CALLER_DEFAULTS, type CallerOptions } from './callers.js';

export type Strategy = 'round_robin' | 'most_idle';

export interface SimulationOptions {
  /** account name (resolved with the directory's account_find) or 32-hex id */
  account: string;
  /** queue name (→ md5 of the name, a stable 32-hex id) or 32-hex id */
  queue: string;
  /** calls to place in all */
  calls: number;
  /** calls in the system at once (waiting + ringing + talking) */
  concurrency: number;
  /** per offer: probability that the recipient answers */
  answerProb: number;
  /** per offer: probability that the recipient rejects (a missed call) */
  rejectProb: number;
  /** per offer: probability that the caller hangs up while it rings (withdraw, not a miss) */
  abandonProb: number;
  /** mean talk time (each call: uniform between half and one and a half of it) */
  talkMs: number;
  /** time from the offer to the answer / reject / abandon */
  ringMs: number;
  /** the queue's offer timeout: an offer nobody acts on is missed after it */
  offerTimeoutSeconds: number;
  /** the queue's wrap-up time */
  wrapupSeconds: number;
  /** log the account's recipients in and set them Ready first */
  login: boolean;
  /** log the recipients out at the end (their session goes to the history) */
  logout: boolean;
  /** recipients sent Away by the missed-call policy are set Ready again after awayMs (only those this run logged in) */
  reReady: boolean;
  awayMs: number;
  strategy: Strategy;
  seed: number;
  /** only these recipient ids (default: every recipient of the account) */
  recipients?: string[];
  /** live summary every this many ms; 0 = none */
  summaryMs: number;
  rpcTimeoutMs: number;
  /** give up when calls wait and nothing at all happened for this long */
  stallMs: number;
  /** names this run's call session ids (default: random) */
  runId?: string;
}

export const DEFAULTS: Omit<SimulationOptions, 'account' | 'queue'> = {
  calls: 100,
  concurrency: 10,
  answerProb: 0.8,
  rejectProb: 0.1,
  abandonProb: 0.05,
  talkMs: 2_000,
  ringMs: 200,
  offerTimeoutSeconds: 15,
  wrapupSeconds: 5,
  login: false,
  logout: false,
  reReady: true,
  awayMs: 1_000,
  strategy: 'most_idle',
  seed: 1,
  summaryMs: 1_000,
  rpcTimeoutMs: 5_000,
  stallMs: 30_000,
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A queue name maps to a stable id (md5 of the name, like a KAZOO id: 32 hex); an id is kept. */
export function queueIdOf(queue: string): string {
  return isKazooId(queue) ? queue : createHash('md5').update(queue).digest('hex');
}

/** Checks the options as a whole; returns them completed with defaults. */
export function validateOptions(input: Partial<SimulationOptions> & Pick<SimulationOptions, 'account' | 'queue'>): SimulationOptions {
  const o: SimulationOptions = { ...DEFAULTS, ...stripUndefined(input) } as SimulationOptions;
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${v}`);
  };
  const prob = (name: string, v: number) => {
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`--${name} must be a probability from 0 to 1, got ${v}`);
  };
  if (!o.account) throw new UsageError('--account is required (a name or a 32-hex id)');
  if (!o.queue) throw new UsageError('--queue is required (a name or a 32-hex id)');
  int('calls', o.calls, 1, 10_000_000);
  int('concurrency', o.concurrency, 1, 100_000);
  prob('answer-prob', o.answerProb);
  prob('reject-prob', o.rejectProb);
  prob('abandon-prob', o.abandonProb);
  if (o.answerProb + o.rejectProb + o.abandonProb > 1 + 1e-9) {
    throw new UsageError('--answer-prob + --reject-prob + --abandon-prob must not exceed 1 (the rest times out)');
  }
  int('talk-ms', o.talkMs, 0, 86_400_000);
  int('ring-ms', o.ringMs, 0, 3_600_000);
  // the contract's limits (offer_timeout_seconds 1..3600, wrapup_seconds 0..86400)
  int('offer-timeout', o.offerTimeoutSeconds, 1, 3600);
  int('wrapup', o.wrapupSeconds, 0, 86_400);
  int('away-ms', o.awayMs, 0, 3_600_000);
  int('seed', o.seed, 0, 2 ** 32 - 1);
  int('summary-ms', o.summaryMs, 0, 3_600_000);
  int('rpc-timeout-ms', o.rpcTimeoutMs, 100, 600_000);
  int('stall-ms', o.stallMs, 1_000, 86_400_000);
  if (o.strategy !== 'round_robin' && o.strategy !== 'most_idle') {
    throw new UsageError(`--strategy must be round_robin or most_idle, got ${String(o.strategy)}`);
  }
  if (o.ringMs >= o.offerTimeoutSeconds * 1000) {
    throw new UsageError('--ring-ms must be shorter than --offer-timeout (or every answer would come too late)');
  }
  if (o.recipients) {
    const bad = o.recipients.find((id) => !isKazooId(id));
    if (bad !== undefined) throw new UsageError(`--recipients takes 32-hex recipient ids, got ${JSON.stringify(bad)}`);
    if (o.recipients.length === 0) throw new UsageError('--recipients names no recipient');
  }
  return o;
}

/** Command line → options (plus the CLI-only ones: amqp URL, json output, help). */
export interface CliOptions {
  options: SimulationOptions;
  amqpUrl: string;
  json: boolean;
  /** queue: the simulator plays the queue (offers calls itself); callers: KAZOO's side and the phones, the service's queue routes */
  mode: 'queue' | 'callers';
  /** --mode=callers: the caller mode's options (the shared ones from the same flags) */
  callers?: CallerOptions;
}

type Setter = (o: Partial<SimulationOptions>, value: string) => void;

const num =
  (key: keyof SimulationOptions): Setter =>
  (o, v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flagOf(key)} takes a number, got ${JSON.stringify(v)}`);
    (o as Record<string, unknown>)[key] = n;
  };
const str =
  (key: keyof SimulationOptions): Setter =>
  (o, v) => {
    (o as Record<string, unknown>)[key] = v;
  };

/** Options that take a value: how each lands in the options. */
const VALUED: Record<string, Setter> = {
  account: str('account'),
  queue: str('queue'),
  calls: num('calls'),
  concurrency: num('concurrency'),
  'answer-prob': num('answerProb'),
  'reject-prob': num('rejectProb'),
  'abandon-prob': num('abandonProb'),
  'talk-ms': num('talkMs'),
  'ring-ms': num('ringMs'),
  'offer-timeout': num('offerTimeoutSeconds'),
  wrapup: num('wrapupSeconds'),
  'away-ms': num('awayMs'),
  strategy: (o, v) => {
    o.strategy = v.replace('-', '_') as Strategy;
  },
  seed: num('seed'),
  recipients: (o, v) => {
    o.recipients = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  },
  'summary-ms': num('summaryMs'),
  'rpc-timeout-ms': num('rpcTimeoutMs'),
  'stall-ms': num('stallMs'),
  'run-id': str('runId'),
};

/** Switches (`--login`, `--no-login`). */
const BOOLEANS: Record<string, keyof SimulationOptions> = { login: 'login', logout: 'logout', 're-ready': 'reReady' };

/** The command line's grammar for node:util's parseArgs (which does the tokenizing: `=`, `--no-`, `-h`). */
const GRAMMAR = {
  ...Object.fromEntries(Object.keys(VALUED).map((name) => [name, { type: 'string' as const }])),
  ...Object.fromEntries(Object.keys(BOOLEANS).map((name) => [name, { type: 'boolean' as const }])),
  amqp: { type: 'string' as const },
  mode: { type: 'string' as const },
  'patience-ms': { type: 'string' as const },
  json: { type: 'boolean' as const },
  help: { type: 'boolean' as const, short: 'h' },
};

function flagOf(key: keyof SimulationOptions): string {
  for (const [flag] of Object.entries(VALUED)) {
    if (flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) === key) return flag;
  }
  return key;
}

export function parseArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    // a bare `--` (npm's separator) is ignored wherever it is, as before
    ({ values } = parseCommandLine({ args: argv.filter((a) => a !== '--'), options: GRAMMAR, strict: true, allowPositionals: false, allowNegative: true }));
  } catch (err) {
    throw usageErrorOf(err);
  }
  if (values['help'] === true) return 'help';
  const o: Partial<SimulationOptions> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const bool = BOOLEANS[name];
    if (bool !== undefined) (o as Record<string, unknown>)[bool] = value;
    else if (typeof value === 'string' && VALUED[name]) VALUED[name]!(o, value);
  }
  if (o.account === undefined) throw new UsageError('--account is required (a name or a 32-hex id)');
  if (o.queue === undefined) throw new UsageError('--queue is required (a name or a 32-hex id)');
  const amqpUrl = typeof values['amqp'] === 'string' ? values['amqp'] : (env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
  const mode = values['mode'] ?? 'queue';
  if (mode !== 'queue' && mode !== 'callers') throw new UsageError(`--mode must be queue or callers, got ${JSON.stringify(mode)}`);
  if (mode === 'callers' && o.abandonProb !== undefined) throw new UsageError('--abandon-prob is for --mode=queue (in callers mode callers abandon after --patience-ms)');
  // callers mode: no abandon share of the offers (the queue mode's default would eat into answer + reject)
  const options = validateOptions({ ...o, account: o.account, queue: o.queue, ...(mode === 'callers' ? { abandonProb: 0 } : {}) });
  const json = values['json'] === true;
  if (mode === 'queue') {
    if (values['patience-ms'] !== undefined) throw new UsageError('--patience-ms is for --mode=callers');
    return { options, amqpUrl, json, mode };
  }
  return { options, amqpUrl, json, mode, callers: callerOptionsOf(options, o, values['patience-ms']) };
}

/** The caller mode's options: the shared flags (given or the caller mode's defaults) and --patience-ms. */
function callerOptionsOf(options: SimulationOptions, given: Partial<SimulationOptions>, patience: string | boolean | undefined): CallerOptions {
  const pick = <K extends keyof SimulationOptions & keyof CallerOptions>(key: K, fallback: CallerOptions[K]): CallerOptions[K] =>
    (given[key] !== undefined ? options[key] : fallback) as CallerOptions[K];
  let patienceMs = CALLER_DEFAULTS.patienceMs;
  if (typeof patience === 'string') {
    patienceMs = Number(patience);
    if (patience.trim() === '' || !Number.isInteger(patienceMs) || patienceMs < 0 || patienceMs > 86_400_000) {
      throw new UsageError(`--patience-ms must be an integer from 0 to 86400000, got ${JSON.stringify(patience)}`);
    }
  }
  return {
    account: options.account,
    queue: options.queue,
    calls: options.calls,
    concurrency: options.concurrency,
    answerProb: pick('answerProb', CALLER_DEFAULTS.answerProb),
    rejectProb: pick('rejectProb', CALLER_DEFAULTS.rejectProb),
    ringMs: pick('ringMs', CALLER_DEFAULTS.ringMs),
    talkMs: options.talkMs,
    patienceMs,
    login: options.login,
    awayMs: options.awayMs,
    ...(options.recipients ? { recipients: options.recipients } : {}),
    seed: options.seed,
    summaryMs: options.summaryMs,
    rpcTimeoutMs: options.rpcTimeoutMs,
    stallMs: options.stallMs,
  };
}

/** parseArgs's errors, said as this tool says them (naming the option). */
function usageErrorOf(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const name = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${name} (see --help)`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? '')}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(/does not take an argument/.test(message) ? `${name} takes no value` : `${name} needs a value`);
    default:
      return err;
  }
}

export const USAGE = `Usage: npm run simulate -- --account <name|id> --queue <name|id> [--mode queue|callers] [options]

--mode queue (default): behaves like a Qubicle queue on the bus: offers waiting calls to the
available recipients of the queue, answers / rejects / lets offers time out / abandons with the
given probabilities, hangs up after the talk time, and prints a live summary and a final one.

--mode callers: the caller side and the phones; the service's queue process routes. Callers
create a session and join the (existing) queue as KAZOO's callflow would, wait, abandon after a
random patience (--patience-ms, 0 = never), or talk for --talk-ms once a phone answered and hang
up. The queue's members' phones answer (--answer-prob) after --ring-ms, reject (--reject-prob), or
ring until the queue's ring_timeout. --offer-timeout, --wrapup and --strategy are the queue
mode's (in callers mode the queue's own fields apply); --abandon-prob is refused there.
In callers mode --queue is an existing queue's id or its name (as queue_list gives it).

  --amqp <url>             broker (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --account <name|id>      account (a name is looked up with the directory's account_find)
  --queue <name|id>        queue (a name maps to a stable id: md5 of the name)
  --calls <n>              calls to place (default ${DEFAULTS.calls})
  --concurrency <n>        calls in the system at once (default ${DEFAULTS.concurrency})
  --answer-prob <p>        per offer (default ${DEFAULTS.answerProb})
  --reject-prob <p>        per offer, a missed call (default ${DEFAULTS.rejectProb})
  --abandon-prob <p>       per offer, the caller hangs up while it rings (default ${DEFAULTS.abandonProb})
                           the rest of the offers time out (missed)
  --talk-ms <ms>           mean talk time (default ${DEFAULTS.talkMs})
  --ring-ms <ms>           time before answer/reject/abandon (default ${DEFAULTS.ringMs})
  --offer-timeout <s>      the queue's offer timeout (default ${DEFAULTS.offerTimeoutSeconds})
  --wrapup <s>             the queue's wrap-up seconds (default ${DEFAULTS.wrapupSeconds})
  --strategy <s>           most_idle | round_robin (default ${DEFAULTS.strategy})
  --login                  log the recipients in and set them Ready first
  --logout                 log them out at the end (sessions go to the history)
  --no-re-ready            leave recipients the missed-call policy sent Away (default: Ready again
                           after --away-ms, for recipients this run logged in)
  --away-ms <ms>           (default ${DEFAULTS.awayMs})
  --recipients <id,id>     only these recipients
  --seed <n>               decisions are a pure function of the seed (default ${DEFAULTS.seed})
  --summary-ms <ms>        live summary period, 0 = none (default ${DEFAULTS.summaryMs})
  --rpc-timeout-ms <ms>    (default ${DEFAULTS.rpcTimeoutMs})
  --stall-ms <ms>          give up when calls wait and nothing happens this long (default ${DEFAULTS.stallMs})
  --mode <m>               queue | callers (default queue)
  --patience-ms <ms>       callers mode: mean patience of a waiting caller (default ${CALLER_DEFAULTS.patienceMs})
  --json                   print the final result as JSON
Exit status: 0 all calls done and the recipients' stats add up; 1 otherwise; 2 bad usage.`;

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
