/**
 * A timed break across kill -9 of the worker holding the recipient (real processes, real broker):
 * the break's deadline is state, so the survivor that takes the shard re-arms it and the recipient
 * comes back Ready AT the deadline, from the survivor; a break that ended while nobody owned the
 * shard is applied when the survivor loads it.
 */
import { strict as assert } from 'node:assert';
import type { RecipientEvent, RecipientStatus } from '@qubicle/contracts';
import { Cluster, twoWorkerCluster, until } from './support/cluster.js';

const TTL = 3000;
/** Ends well after the survivor took the shard (TTL + start-up): re-armed there. */
const LONG_BREAK_S = 10;
/** Ends while nobody owns the shard (before the TTL ran out): applied on load. */
const SHORT_BREAK_S = 1;

describe('cluster: a timed break survives kill -9 of its worker', function () {
  this.timeout(180_000);
  let c!: Cluster;
  twoWorkerCluster({ leaseTtlMs: TTL }, (cluster) => (c = cluster));

  it('the survivor ends a break at its deadline, and applies at once one that ended while the shard had no owner', async () => {
    // two recipients on the same node (whichever holds both first)
    const ids = await c.createRecipients(12);
    const nodeOf = new Map<string, string>();
    for (const id of ids) nodeOf.set(id, (await c.client.login(c.accountId, id)).node!);
    const owner = nodeOf.get(ids[0]!)!;
    const mine = ids.filter((id) => nodeOf.get(id) === owner);
    assert.ok(mine.length >= 2, `two recipients on ${owner}: ${JSON.stringify([...nodeOf])}`);
    const [long, short] = mine as [string, string];
    const survivor = owner === 'w1' ? 'w2' : 'w1';

    // the deadline is the worker's now + the break, somewhere between these two
    const asked = Date.now();
    await c.client.setStatus(c.accountId, long, 'away', { durationSeconds: LONG_BREAK_S });
    const answered = Date.now();
    const started = (await c.client.status(c.accountId, long)) as RecipientStatus;
    assert.ok(started.away_until, JSON.stringify(started));
    const earliest = asked + LONG_BREAK_S * 1000;
    const latest = answered + LONG_BREAK_S * 1000;
    await c.client.setStatus(c.accountId, short, 'away', { durationSeconds: SHORT_BREAK_S });
    const shortUntil = ((await c.client.status(c.accountId, short)) as RecipientStatus).away_until!;

    c.signal(owner, 'SIGKILL');
    await c.nodes.get(owner)!.exited;
    const killedAt = Date.now();

    const readyOf = (id: string) => (e: RecipientEvent) => e.recipient_id === id && e.event === 'ready';
    const shortReady = await until('the short break to end on the survivor', 30_000, () => c.events.find(readyOf(short)));
    assert.equal(shortReady.node, survivor);
    assert.equal(shortReady.reason, 'away_ended');
    assert.ok(shortReady.timestamp >= killedAt, 'applied by the survivor, after the kill');
    assert.ok(shortUntil * 1000 <= killedAt + TTL, 'the short break ended while nobody owned the shard');

    const longReady = await until('the long break to end on the survivor', 30_000, () => c.events.find(readyOf(long)));
    process.stdout.write(`    break ended ${longReady.timestamp - latest} ms after its deadline (±${latest - earliest} ms), on ${longReady.node}, ${longReady.timestamp - killedAt} ms after kill -9\n`);
    assert.equal(longReady.node, survivor);
    assert.equal(longReady.reason, 'away_ended');
    assert.ok(longReady.timestamp >= earliest, `not early: ${longReady.timestamp} vs ${earliest}`);
    assert.ok(longReady.timestamp <= latest + 1500, `at its deadline, not late: ${longReady.timestamp} vs ${latest}`);
    assert.ok(started.away_until * 1000 >= earliest && started.away_until * 1000 < latest + 1000, 'away_until is the deadline, rounded up to the second');
    const after = (await c.client.status(c.accountId, long)) as RecipientStatus;
    assert.equal(after.availability_state, 'Ready');
    assert.equal(after.node, survivor);
    assert.equal(after.away_until, undefined);
  });
});
