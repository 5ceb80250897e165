import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WriteBatcher } from '../../src/actor/write-batcher.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { StoreError, type Fence } from '../../src/store/port.js';
import { actorHarness } from '../support/actor-harness.js';
import { ACCOUNT, NODE, OTHER, RECIPIENT, T0, cmd } from '../support/machine-fixtures.js';
import { makeState } from '../store/fixtures.js';
import { deferred, waitFor, within } from '../support/wait.js';

const ACC = 'a000000000000000000000000000000b';

/** Leases on `shards` for NODE, claimed, as fences (index = shard). */
async function ownShards(store: SqliteStore, shards: number[]): Promise<Fence[]> {
  const fences: Fence[] = [];
  for (const shard of shards) {
    const lease = await store.tryAcquireLease(shard, NODE, 60_000, Date.now());
    fences[shard] = { shard, epoch: lease!.epoch, node: NODE };
    await store.claimShard(shard, fences[shard]!);
  }
  return fences;
}
const id = (n: number) => `b${String(n).padStart(31, '0')}`;

describe('actor: write-behind batching', () => {
  it('the writes of one tick go to the store in ONE call; each save settles only after it', async () => {
    const h = actorHarness();
    const gate = deferred();
    h.store.gates.set('saveRecipients', gate.promise);
    const batcher = new WriteBatcher(h.store);
    const settled: string[] = [];
    const fence = h.env.fenceOf(0)!;
    const fence1 = h.env.fenceOf(1)!;
    const saves = [
      batcher.save(makeState(ACC, id(1)), 0, fence).then(() => settled.push('1')),
      batcher.save(makeState(ACC, id(2)), 0, fence).then(() => settled.push('2')),
      batcher.save(makeState(ACC, id(3)), 1, fence1).then(() => settled.push('3')),
    ];
    await waitFor(() => h.store.calls.includes('saveRecipients'), 'the batch');
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    assert.deepEqual(settled, [], 'nothing settles while the batch is in flight');
    gate.resolve();
    await within(Promise.all(saves));
    assert.deepEqual(batcher.stats, { batches: 1, writes: 3 });
    assert.deepEqual(h.store.writes.map((w) => [w.recipient_id, w.fence.shard]), [[id(1), 0], [id(2), 0], [id(3), 1]]);
  });

  it('a fenced group fails exactly its writes; the other groups of the batch are written', async () => {
    const h = actorHarness();
    const batcher = new WriteBatcher(h.store);
    // shard 1 moved to another node under a newer epoch
    h.store.leases.set(1, { shard: 1, owner: 'other-node', epoch: 2, expires_at: T0 + 60_000 });
    const ok0 = batcher.save(makeState(ACC, id(1)), 0, h.env.fenceOf(0)!);
    const lost = [batcher.save(makeState(ACC, id(2)), 1, h.env.fenceOf(1)!), batcher.save(makeState(ACC, id(3)), 1, h.env.fenceOf(1)!)];
    const ok2 = batcher.save(makeState(ACC, id(4)), 2, h.env.fenceOf(2)!);
    await within(Promise.all([ok0, ok2]));
    for (const p of lost) await assert.rejects(p, (err: unknown) => err instanceof StoreError && err.kind === 'fenced');
    assert.deepEqual(h.store.writes.map((w) => w.recipient_id), [id(1), id(4)]);
  });

  it('a store failure fails the whole batch (nothing written)', async () => {
    const h = actorHarness();
    const batcher = new WriteBatcher({ saveRecipients: h.store.saveRecipients.bind(h.store), saveRecipientGroups: () => Promise.reject(new StoreError('unavailable', 'disk gone')) });
    const saves = [batcher.save(makeState(ACC, id(1)), 0, h.env.fenceOf(0)!), batcher.save(makeState(ACC, id(2)), 1, h.env.fenceOf(1)!)];
    for (const p of saves) await assert.rejects(p, /disk gone/);
  });

  it('without saveRecipientGroups: one saveRecipients per group, each settling on its own', async () => {
    const h = actorHarness();
    h.store.leases.set(1, { shard: 1, owner: 'other-node', epoch: 2, expires_at: T0 + 60_000 });
    const batcher = new WriteBatcher({ saveRecipients: h.store.saveRecipients.bind(h.store) });
    const ok = batcher.save(makeState(ACC, id(1)), 0, h.env.fenceOf(0)!);
    const lost = batcher.save(makeState(ACC, id(2)), 1, h.env.fenceOf(1)!);
    await within(ok);
    await assert.rejects(lost, (err: unknown) => err instanceof StoreError && err.kind === 'fenced');
    assert.equal(h.store.calls.filter((c) => c === 'saveRecipients').length, 2);
  });

  it('actors: persisted before replying through the batcher; a fenced batch fails only its actors', async () => {
    const h = actorHarness();
    const batcher = new WriteBatcher(h.store);
    h.env.writes = batcher;
    const other = h.registry.shardOf(ACCOUNT, OTHER);
    assert.notEqual(other, h.shard, 'the fixture recipients live on different shards');
    // both log in within one tick: one batch
    const gate = deferred();
    h.store.gates.set('saveRecipients', gate.promise);
    let replied = 0;
    const logins = [RECIPIENT, OTHER].map((r) => h.registry.dispatch(ACCOUNT, r, cmd({ type: 'login' }, { recipient_id: r })).then((x) => (replied++, x)));
    await waitFor(() => h.store.calls.includes('saveRecipients'), 'the batch');
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(replied, 0, 'no reply before the batch committed');
    assert.equal(h.bus.published.length, 0, 'no event before the batch committed');
    gate.resolve();
    h.store.gates.delete('saveRecipients');
    for (const r of await within(Promise.all(logins))) assert.equal(r.ok, true);
    assert.equal(batcher.stats.batches, 1);

    // OTHER's shard is taken by another node: the next batch holds a write of each shard
    h.store.leases.set(other, { shard: other, owner: 'other-node', epoch: 9, expires_at: T0 + 60_000 });
    const [mine, theirs] = await within(
      Promise.all([
        h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' })),
        h.registry.dispatch(ACCOUNT, OTHER, cmd({ type: 'set_status', status: 'ready' }, { recipient_id: OTHER })),
      ]),
    );
    assert.equal(mine!.ok, true, JSON.stringify(mine));
    assert.equal(!theirs!.ok && theirs!.error.code, 'unavailable');
    assert.deepEqual(h.fenced, [other], 'only the fenced shard is given up');
    assert.equal(h.registry.peek(ACCOUNT, RECIPIENT)?.state?.availability_state, 'Ready');
    assert.equal(h.store.recipients.get(`${ACCOUNT}/${OTHER}`)?.state.availability_state, 'Away', 'nothing written for the fenced actor');
    assert.equal(batcher.stats.batches, 2);
  });

  it('SQLite: saveRecipientGroups writes the groups in one transaction, a fenced group alone rolled back', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.init();
    try {
      const fences = await ownShards(store, [0, 1, 2]);
      // shard 1 is lost: released, then taken by someone else
      await store.releaseLease(1, NODE, fences[1]!.epoch);
      await store.tryAcquireLease(1, 'other', 60_000, Date.now());
      const out = await store.saveRecipientGroups([
        { writes: [{ state: makeState(ACC, id(1)), shard: 0 }], fence: fences[0]! },
        { writes: [{ state: makeState(ACC, id(2)), shard: 1 }, { state: makeState(ACC, id(3)), shard: 1 }], fence: fences[1]! },
        { writes: [{ state: makeState(ACC, id(4)), shard: 2 }], fence: fences[2]! },
      ]);
      assert.equal(out[0], null);
      assert.ok(out[1] instanceof StoreError && out[1].kind === 'fenced');
      assert.equal(out[2], null);
      assert.ok(await store.loadRecipient(ACC, id(1)));
      assert.equal(await store.loadRecipient(ACC, id(2)), null);
      assert.equal(await store.loadRecipient(ACC, id(3)), null);
      assert.ok(await store.loadRecipient(ACC, id(4)));
    } finally {
      await store.close();
    }
  });

  it('SQLite: a write refused by a newer epoch fails its group alone; a group of two is rolled back whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-batcher-'));
    const path = join(dir, 'store.db');
    const store = new SqliteStore({ path });
    await store.init();
    const raw = new Database(path);
    try {
      const fences = await ownShards(store, [0, 1, 2]);
      // rows written under a newer epoch than the leases show (another owner got there first):
      // the fence check passes, the upsert itself is refused
      await store.saveRecipients([{ state: makeState(ACC, id(1)), shard: 0 }], fences[0]!);
      await store.saveRecipients([{ state: makeState(ACC, id(3)), shard: 1 }], fences[1]!);
      raw.prepare('UPDATE recipients SET epoch = epoch + 100 WHERE recipient_id IN (?, ?)').run(id(1), id(3));
      const before = (await store.loadRecipient(ACC, id(1)))!.state;

      const out = await store.saveRecipientGroups([
        { writes: [{ state: { ...makeState(ACC, id(1)), availability_state: 'Away' }, shard: 0 }], fence: fences[0]! }, // one write, refused
        { writes: [{ state: makeState(ACC, id(2)), shard: 1 }, { state: makeState(ACC, id(3)), shard: 1 }], fence: fences[1]! }, // 2nd refused
        { writes: [{ state: makeState(ACC, id(4)), shard: 2 }], fence: fences[2]! },
      ]);
      assert.ok(out[0] instanceof StoreError && out[0].kind === 'fenced', 'single write refused');
      assert.ok(out[1] instanceof StoreError && out[1].kind === 'fenced', 'pair refused');
      assert.equal(out[2], null);
      assert.deepEqual((await store.loadRecipient(ACC, id(1)))!.state, before, 'the refused single write changed nothing');
      assert.equal(await store.loadRecipient(ACC, id(2)), null, "the pair's first write was rolled back with it");
      assert.ok(await store.loadRecipient(ACC, id(4)), 'the other group committed');
    } finally {
      raw.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
