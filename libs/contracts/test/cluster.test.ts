import assert from 'node:assert/strict';
import {
  clusterControlKey,
  presenceQueue,
  shardOfQueue,
  shardQueue,
  validateClusterControl,
  validateDirectoryRequest,
  validatePresencePing,
} from '../src/index.js';

describe('contracts: cluster', () => {
  it('cluster_view is a directory request without fields', () => {
    assert.ok(validateDirectoryRequest({ type: 'cluster_view' }).ok);
    assert.ok(!validateDirectoryRequest({ type: 'cluster_view', node: 'x' }).ok);
  });

  it('control messages: known types only, shards are non-negative integers', () => {
    assert.ok(validateClusterControl({ type: 'shards_released', node: 'w1', shards: [0, 5], at: 1 }).ok);
    assert.ok(validateClusterControl({ type: 'node_joined', node: 'w1', at: 1 }).ok);
    assert.ok(!validateClusterControl({ type: 'steal', node: 'w1', at: 1 }).ok);
    assert.ok(!validateClusterControl({ type: 'shards_released', node: 'w1', shards: [-1], at: 1 }).ok);
    assert.equal(clusterControlKey('node_leaving'), 'cluster.node_leaving');
  });

  it('shards_taken / shards_held carry the epoch of each shard', () => {
    assert.ok(validateClusterControl({ type: 'shards_held', node: 'w1', shards: [0, 5], epochs: [3, 1], at: 1 }).ok);
    assert.ok(validateClusterControl({ type: 'shards_taken', node: 'w1', shards: [2], epochs: [7], at: 1 }).ok);
    assert.ok(!validateClusterControl({ type: 'shards_held', node: 'w1', shards: [0], epochs: [1.5], at: 1 }).ok);
    assert.ok(!validateClusterControl({ type: 'shards_held', node: 'w1', shards: [0], epochs: ['1'], at: 1 }).ok);
    assert.equal(clusterControlKey('shards_held'), 'cluster.shards_held');
  });

  it('presence queue names and pings', () => {
    assert.equal(presenceQueue('worker@a'), 'qubicle.node.worker@a');
    assert.ok(validatePresencePing({ type: 'presence_ping', from: 'w2' }).ok);
    assert.ok(!validatePresencePing({ type: 'ping' }).ok);
  });

  it('shardOfQueue inverts shardQueue and rejects other names', () => {
    for (const s of [0, 7, 4095]) assert.equal(shardOfQueue(shardQueue(s)), s);
    assert.equal(shardOfQueue('qubicle.directory'), undefined);
    assert.equal(shardOfQueue('qubicle.recipient.shard.x'), undefined);
  });
});
