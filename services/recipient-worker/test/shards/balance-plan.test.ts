/**
 * The balance plan (shards/balance-plan.ts) is pure: each row is what the store and the broker
 * said in one round, and what node "b" decides from it.
 */
import assert from 'node:assert/strict';
import { fairShare, leasesOfDead, planBalance, probeTargets, type BalanceInput, type BalancePlan } from '../../src/shards/balance-plan.js';
import type { Lease, NodeRecord } from '../../src/store/port.js';

const NOW = 1_000_000;
const TTL = 9_000;
const node = (name: string, heartbeatAgo = 0): NodeRecord => ({ name, started_at: 0, heartbeat_at: NOW - heartbeatAgo, info: {} });
const lease = (shard: number, owner: string | null, expiresIn = TTL, epoch = 3): Lease => ({ shard, owner, epoch, expires_at: owner === null ? 0 : NOW + expiresIn });

function input(over: Partial<BalanceInput> = {}): BalanceInput {
  return { node: 'b', shardCount: 8, leaseTtlMs: TTL, now: NOW, nodes: [node('b')], leases: [], dead: new Set(), held: [], busy: new Set(), lastStoreFaultAt: Number.NEGATIVE_INFINITY, ...over };
}

describe('shards: balance plan', () => {
  it('fairShare: quotas add up to the shard count, differ by at most one, the same on every node', () => {
    for (const [n, nodes] of [[64, ['a', 'b', 'c']], [64, ['d', 'a', 'c', 'b']], [10, ['x', 'y', 'z', 'w']], [3, ['a', 'b', 'c', 'd', 'e']]] as const) {
      const quotas = nodes.map((node) => fairShare(n, nodes, node));
      assert.equal(quotas.reduce((a, b) => a + b, 0), n, `${n} over ${nodes.join(',')}`);
      assert.ok(Math.max(...quotas) - Math.min(...quotas) <= 1);
    }
    assert.equal(fairShare(64, [], 'alone'), 64, 'a node always counts itself');
    assert.equal(fairShare(64, ['b', 'c'], 'a'), 22);
    assert.equal(fairShare(64, ['a', 'b', 'c'], 'c'), 21);
  });

  const rows: Array<{ name: string; in: Partial<BalanceInput>; out: Partial<BalancePlan> }> = [
    { name: 'alone, nothing held: every shard, from 0', in: {}, out: { quota: 8, live: ['b'], handOver: [], candidates: [0, 1, 2, 3, 4, 5, 6, 7], want: 8 } },
    { name: 'two live nodes: half each, b looks from the middle of the ring', in: { nodes: [node('a'), node('b')] }, out: { quota: 4, live: ['a', 'b'], candidates: [4, 5, 6, 7, 0, 1, 2, 3], want: 4 } },
    { name: 'the remainder goes to the first names: b is second of three over 8 shards', in: { nodes: [node('c'), node('a'), node('b')] }, out: { quota: 3, live: ['a', 'b', 'c'], candidates: [2, 3, 4, 5, 6, 7, 0, 1], want: 3 } },
    { name: 'a node whose heartbeat is a TTL old is not counted', in: { nodes: [node('a', TTL), node('b')] }, out: { quota: 8, live: ['b'] } },
    { name: 'a heartbeat just under a TTL old still counts', in: { nodes: [node('a', TTL - 1), node('b')] }, out: { quota: 4, live: ['a', 'b'] } },
    { name: 'b itself need not be registered yet (it always counts itself)', in: { nodes: [node('a')] }, out: { quota: 4, live: ['a', 'b'] } },
    { name: 'an owner proven dead is not counted', in: { nodes: [node('a'), node('b')], dead: new Set(['a']) }, out: { quota: 8, live: ['b'] } },
    { name: 'above the quota: the highest shards are handed over, nothing taken', in: { nodes: [node('a'), node('b')], held: [0, 6, 1, 5, 4, 7] }, out: { quota: 4, handOver: [7, 6], candidates: [], want: 0 } },
    { name: 'at the quota: nothing to do', in: { nodes: [node('a'), node('b')], held: [4, 5, 6, 7] }, out: { quota: 4, handOver: [], candidates: [], want: 0 } },
    {
      name: 'a valid lease of another node is never a candidate; an expired one is',
      in: { nodes: [node('a'), node('b')], leases: [lease(4, 'a'), lease(5, 'a', -1)] },
      out: { candidates: [5, 6, 7, 0, 1, 2, 3], want: 4 },
    },
    {
      name: 'within a TTL of our own store fault an expired lease is left to its owner (suspended, not gone); a released one is free',
      in: { nodes: [node('a'), node('b')], leases: [lease(4, 'a', -1), lease(5, null)], lastStoreFaultAt: NOW - TTL + 1 },
      out: { candidates: [5, 6, 7, 0, 1, 2, 3] },
    },
    {
      name: 'a TTL after the store fault, expired leases are free again',
      in: { nodes: [node('a'), node('b')], leases: [lease(4, 'a', -1)], lastStoreFaultAt: NOW - TTL },
      out: { candidates: [4, 5, 6, 7, 0, 1, 2, 3] },
    },
    {
      name: 'a dead owner\'s valid lease is free (released for it this round)',
      in: { nodes: [node('a'), node('b')], leases: [lease(0, 'a'), lease(1, 'a')], dead: new Set(['a']) },
      out: { quota: 8, candidates: [0, 1, 2, 3, 4, 5, 6, 7], want: 8 },
    },
    { name: 'a lease b itself still has (from before a restart) is a candidate', in: { leases: [lease(3, 'b')] }, out: { candidates: [0, 1, 2, 3, 4, 5, 6, 7] } },
    {
      name: 'busy shards (held in any phase, or being taken) are skipped; want counts what is kept',
      in: { held: [0, 1], busy: new Set([0, 1, 2]) },
      out: { quota: 8, candidates: [3, 4, 5, 6, 7], want: 6 },
    },
    {
      name: 'nothing free: want 0',
      in: { nodes: [node('a'), node('b')], leases: [0, 1, 2, 3, 4, 5, 6, 7].map((s) => lease(s, 'a')) },
      out: { quota: 4, candidates: [], want: 0 },
    },
  ];
  for (const row of rows) {
    it(`plan: ${row.name}`, () => {
      const plan = planBalance(input(row.in));
      const picked = Object.fromEntries(Object.keys(row.out).map((k) => [k, plan[k as keyof BalancePlan]]));
      assert.deepEqual(picked, row.out);
    });
  }

  it('each node plans its own quota from the same registry: they add up to the shard count', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const quotas = ['a', 'b', 'c'].map((n) => planBalance(input({ node: n, nodes, shardCount: 64 })).quota);
    assert.deepEqual(quotas, [22, 21, 21]);
  });

  it('probeTargets: registered owners of valid leases, other than this node, each once', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const leases = [lease(0, 'a'), lease(1, 'a'), lease(2, 'b'), lease(3, 'c', -1), lease(4, 'ghost'), lease(5, null)];
    assert.deepEqual(probeTargets(nodes, leases, 'b', NOW), ['a'], 'c: expired (left to the plan); ghost: not registered; b: itself');
    assert.deepEqual(probeTargets([], leases, 'b', NOW), []);
  });

  it('leasesOfDead: the dead owners\' valid leases only', () => {
    const leases = [lease(0, 'a'), lease(1, 'a', -1), lease(2, 'c'), lease(3, null)];
    assert.deepEqual(leasesOfDead(leases, new Set(['a']), NOW).map((l) => l.shard), [0]);
    assert.deepEqual(leasesOfDead(leases, new Set(), NOW), []);
  });
});
