import assert from 'node:assert/strict';
import { CALLER_DEFAULTS } from '../src/callers.js';
import { DEFAULTS, parseArgs, queueIdOf, UsageError, type CliOptions } from '../src/options.js';
import { decide, outcomeOf } from '../src/rng.js';

const parse = (args: string[], env: Record<string, string> = {}) => parseArgs(args, env) as CliOptions;

describe('simulator: options', () => {
  it('defaults, --name value and --name=value, booleans and --no-', () => {
    const cli = parse(['--account', 'demo', '--queue=sales', '--calls', '1000', '--login', '--no-re-ready', '--strategy', 'round-robin'], {
      AMQP_URL: 'amqp://u:p@h:5672/v',
    });
    assert.equal(cli.amqpUrl, 'amqp://u:p@h:5672/v');
    assert.equal(cli.options.account, 'demo');
    assert.equal(cli.options.queue, 'sales');
    assert.equal(cli.options.calls, 1000);
    assert.equal(cli.options.login, true);
    assert.equal(cli.options.reReady, false);
    assert.equal(cli.options.strategy, 'round_robin');
    assert.equal(cli.options.concurrency, DEFAULTS.concurrency);
    assert.equal(cli.json, false);
    assert.equal(parse(['--account', 'a', '--queue', 'q', '--amqp', 'amqp://x', '--json']).amqpUrl, 'amqp://x');
    assert.equal(parseArgs(['--help']), 'help');
    assert.equal(parseArgs(['-h']), 'help');
    assert.equal(parse(['--', '--account', 'a', '--queue', 'q', '--logout']).options.logout, true, "npm's -- separator is ignored");
    assert.equal(parse(['--account', 'a', '--queue', 'q', '--calls', '5', '--calls=7']).options.calls, 7, 'the last one wins');
  });

  it('--mode: queue by default; callers takes the shared flags, its own defaults and --patience-ms', () => {
    const queue = parse(['--account', 'a', '--queue', 'q']);
    assert.equal(queue.mode, 'queue');
    assert.equal(queue.callers, undefined);
    const callers = parse(['--account', 'a', '--queue', 'q', '--mode=callers', '--calls', '12', '--answer-prob', '0.5', '--patience-ms', '900', '--login']);
    assert.equal(callers.mode, 'callers');
    assert.deepEqual(
      [callers.callers?.calls, callers.callers?.answerProb, callers.callers?.rejectProb, callers.callers?.ringMs, callers.callers?.patienceMs, callers.callers?.login],
      [12, 0.5, CALLER_DEFAULTS.rejectProb, CALLER_DEFAULTS.ringMs, 900, true],
    );
    assert.equal(parse(['--account', 'a', '--queue', 'q', '--mode', 'callers']).callers?.patienceMs, CALLER_DEFAULTS.patienceMs);
    assert.equal(parse(['--account', 'a', '--queue', 'q', '--mode=callers', '--answer-prob', '1', '--reject-prob', '0']).callers?.answerProb, 1, 'no abandon share in callers mode');
    assert.throws(() => parse(['--account', 'a', '--queue', 'q', '--mode=callers', '--abandon-prob', '0.1']), (e: unknown) => e instanceof UsageError && /--abandon-prob/.test(e.message));
    assert.throws(() => parse(['--account', 'a', '--queue', 'q', '--mode', 'agents']), (e: unknown) => e instanceof UsageError && /--mode/.test(e.message));
    assert.throws(() => parse(['--account', 'a', '--queue', 'q', '--patience-ms', '5']), (e: unknown) => e instanceof UsageError && /--patience-ms/.test(e.message));
    assert.throws(() => parse(['--account', 'a', '--queue', 'q', '--mode', 'callers', '--patience-ms', '-1']), (e: unknown) => e instanceof UsageError && /--patience-ms/.test(e.message));
  });

  it('refuses what makes no sense, naming the option', () => {
    const bad: Array<[string[], RegExp]> = [
      [['--queue', 'q'], /--account/],
      [['--account', 'a'], /--queue/],
      [['--account', 'a', '--queue', 'q', '--calls', '0'], /--calls/],
      [['--account', 'a', '--queue', 'q', '--calls', 'many'], /--calls takes a number/],
      [['--account', 'a', '--queue', 'q', '--answer-prob', '0.9', '--reject-prob', '0.2'], /must not exceed 1/],
      [['--account', 'a', '--queue', 'q', '--offer-timeout', '0'], /--offer-timeout/],
      [['--account', 'a', '--queue', 'q', '--strategy', 'random'], /--strategy/],
      [['--account', 'a', '--queue', 'q', '--recipients', 'bob'], /--recipients/],
      [['--account', 'a', '--queue', 'q', '--ring-ms', '20000', '--offer-timeout', '20'], /--ring-ms/],
      [['--account', 'a', '--queue', 'q', '--frobnicate', '1'], /unknown option --frobnicate/],
      [['--account', 'a', '--queue', 'q', '--login=yes'], /takes no value/],
      [['--account', 'a', '--queue'], /needs a value/],
      [['--account', 'a', '--queue', 'q', 'extra'], /unexpected argument "extra"/],
    ];
    for (const [args, message] of bad) {
      assert.throws(() => parseArgs(args, {}), (err: unknown) => err instanceof UsageError && message.test(err.message), args.join(' '));
    }
  });

  it('a queue name maps to a stable 32-hex id (md5); an id is kept', () => {
    assert.equal(queueIdOf('sales'), '9ed083b1436e5f40ef984b28255eef18');
    assert.equal(queueIdOf('sales'), queueIdOf('sales'));
    assert.notEqual(queueIdOf('sales'), queueIdOf('support'));
    const id = 'c6564319c5996b0db6f4e53d69db79d8';
    assert.equal(queueIdOf(id), id);
  });
});

describe('simulator: seeded decisions', () => {
  it('are a pure function of the seed and of what is decided', () => {
    assert.equal(decide(7, 12, 1, 'outcome'), decide(7, 12, 1, 'outcome'));
    assert.notEqual(decide(7, 12, 1, 'outcome'), decide(8, 12, 1, 'outcome'));
    assert.notEqual(decide(7, 12, 1, 'outcome'), decide(7, 12, 2, 'outcome'));
    for (let i = 0; i < 1000; i++) {
      const u = decide(1, i, 'x');
      assert.ok(u >= 0 && u < 1);
    }
  });

  it('follow the probabilities (within a few % over 20000 draws)', () => {
    const p = { answer: 0.6, reject: 0.2, abandon: 0.05 };
    const counts = { answer: 0, reject: 0, abandon: 0, timeout: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[outcomeOf(decide(42, i, 1, 'outcome'), p)]++;
    assert.ok(Math.abs(counts.answer / n - 0.6) < 0.02, JSON.stringify(counts));
    assert.ok(Math.abs(counts.reject / n - 0.2) < 0.02, JSON.stringify(counts));
    assert.ok(Math.abs(counts.abandon / n - 0.05) < 0.01, JSON.stringify(counts));
    assert.ok(Math.abs(counts.timeout / n - 0.15) < 0.02, JSON.stringify(counts));
  });
});
