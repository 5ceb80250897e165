/**
 * Child process of the SQLite multi-process test (not a test file itself).
 * argv: <sqlite file> <node name> <shard count> <passes>
 * Opens and inits the shared file, prints "ready", waits for "go <now> <startAt>" on stdin,
 * spins until the wall clock reaches startAt (so that both processes start within a
 * millisecond of each other), then makes <passes> passes over all shards trying to acquire each
 * one (lease time `now`, the same in both processes; a shard it already owns is a renew).
 * The first time it wins a shard it claims it and saves one recipient; for each shard it does
 * not own it checks that a write is fenced. Prints one JSON line.
 */
import { createInterface } from 'node:readline';
import { SqliteStore } from '../../../src/store/sqlite/index.js';
import { StoreError } from '../../../src/store/port.js';
import { makeState } from '../fixtures.js';

const [file, node, countArg, passesArg] = process.argv.slice(2);
if (!file || !node || !countArg || !passesArg) {
  process.stderr.write('usage: lease-race-child <file> <node> <shards> <passes>\n');
  process.exit(2);
}
const shardCount = Number(countArg);
const passes = Number(passesArg);

const store = new SqliteStore({ path: file });
await store.init();
process.stdout.write('ready\n');

const lines = createInterface({ input: process.stdin });
const go = await new Promise<string>((resolve) => lines.once('line', resolve));
lines.close();
const [, nowArg, startArg] = go.split(' ');
const now = Number(nowArg);
const startAt = Number(startArg);
while (Date.now() < startAt) {
  // spin: a timer would add milliseconds of jitter between the two processes
}

const acquired: number[] = [];
const errors: string[] = [];
let fencedOk = 0;
const owned = new Map<number, number>();
for (let pass = 0; pass < passes; pass++) {
  for (let shard = 0; shard < shardCount; shard++) {
    try {
      const lease = await store.tryAcquireLease(shard, node, 60_000, now);
      if (lease) {
        const known = owned.get(shard);
        if (known === undefined) {
          owned.set(shard, lease.epoch);
          acquired.push(shard);
          const fence = { shard, epoch: lease.epoch, node };
          await store.claimShard(shard, fence);
          await store.saveRecipients([{ state: makeState('race', `${node}-${shard}`), shard }], fence);
        } else if (known !== lease.epoch) {
          errors.push(`shard ${shard}: epoch changed from ${known} to ${lease.epoch} on a renew`);
        }
      } else {
        if (owned.has(shard)) errors.push(`shard ${shard}: lost a lease nobody could take`);
        try {
          await store.saveRecipients([{ state: makeState('race', `${node}-${shard}`), shard }], { shard, epoch: 1, node });
          errors.push(`shard ${shard}: a write without the lease was accepted`);
        } catch (err) {
          if (err instanceof StoreError && err.kind === 'fenced') fencedOk++;
          else throw err;
        }
      }
    } catch (err) {
      errors.push(
        `shard ${shard}: ${err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err)}`,
      );
    }
  }
}
await store.close();
process.stdout.write(`${JSON.stringify({ node, acquired, fencedOk, errors })}\n`);
