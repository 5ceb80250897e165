import assert from 'node:assert/strict';
import { createShardCount, type ClientLogger } from '../src/index.js';

function recordingLogger(): ClientLogger & { lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  return { lines, info: (_o, msg) => lines.push({ level: 'info', msg }), warn: (_o, msg) => lines.push({ level: 'warn', msg }) };
}

describe('client: shard-count discovery', () => {
  it('start() asks until the cluster answers, backing off between attempts (doubling up to the ceiling)', async () => {
    let asked = 0;
    const delays: number[] = [];
    const logger = recordingLogger();
    const shards = createShardCount({
      fetch: async () => {
        if (++asked <= 12) throw new Error('no worker yet');
        return 16;
      },
      logger,
      backoff: { initialMs: 10, maxMs: 80, jitter: 0 },
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    assert.equal(shards.value, undefined);
    shards.start();
    assert.equal(await shards.whenKnown(), 16);
    assert.equal(asked, 13);
    assert.deepEqual(delays, [10, 20, 40, 80, 80, 80, 80, 80, 80, 80, 80, 80]);
    assert.equal(shards.value, 16);
    // quiet at start-up: one info line for the first miss, a warning every 10th, then the count
    assert.deepEqual(
      logger.lines.map((l) => l.level),
      ['info', 'warn', 'info'],
    );
  });

  it('stop() ends the discovery while it waits', async () => {
    let asked = 0;
    let release: () => void = () => {};
    const waited = new Promise<void>((resolve) => (release = resolve));
    const shards = createShardCount({
      fetch: async () => {
        asked++;
        throw new Error('down');
      },
      sleep: (_ms, signal) =>
        new Promise<void>((resolve) => {
          release();
          signal.addEventListener('abort', () => resolve(), { once: true });
        }),
    });
    shards.start();
    await waited;
    shards.stop(); // the abort wakes the wait; the loop sees it and ends without asking again
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(asked, 1);
    assert.equal(shards.value, undefined);
  });

  it('ensure() asks once for concurrent callers; a given count is known at once', async () => {
    let asked = 0;
    const shards = createShardCount({ fetch: async () => (++asked, 8) });
    assert.deepEqual(await Promise.all([shards.ensure(), shards.ensure(), shards.ensure()]), [8, 8, 8]);
    assert.equal(asked, 1);
    const fixed = createShardCount({ fetch: async () => 99, override: 4 });
    assert.equal(fixed.value, 4);
    assert.equal(await fixed.ensure(), 4);
    assert.equal(await fixed.refresh(), 99, 'refresh asks the cluster even with a given count');
  });

  it('an answer that is not a shard count is an error, not a count', async () => {
    const shards = createShardCount({ fetch: async () => 0 });
    await assert.rejects(shards.ensure(), /invalid shard count/);
    assert.equal(shards.value, undefined);
    assert.throws(() => createShardCount({ fetch: async () => 1, override: 1.5 }), RangeError);
  });
});
