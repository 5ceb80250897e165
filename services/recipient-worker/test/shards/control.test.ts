/**
 * Control (shards/control.ts): what a node announces, and what it makes of the others'
 * broadcasts — epochs to the lease book, membership changes to the balance.
 */
import assert from 'node:assert/strict';
import { CONTROL_EXCHANGE, clusterControlKey, type ClusterControlMessage } from '@qubicle/contracts';
import { createMemoryBus } from '@qubicle/transport';
import { ManualClock } from '../../src/clock.js';
import { Control } from '../../src/shards/control.js';
import { captureLogger } from '../support/logger.js';
import { T0 } from '../support/machine-fixtures.js';
import { waitFor } from '../support/wait.js';

function setup(bus = createMemoryBus()) {
  const epochs: Array<[string, number[], number[]]> = [];
  const changes: ClusterControlMessage[] = [];
  const logger = captureLogger();
  const control = new Control({
    bus,
    clock: new ManualClock(T0),
    logger,
    node: 'node-a',
    onEpochs: (from, shards, e) => epochs.push([from, shards, e]),
    onMembershipChange: (msg) => changes.push(msg),
  });
  return { bus, control, epochs, changes, logger };
}

describe('shards: control', () => {
  it('shards_taken / shards_held go to the lease book with their epochs; the rest is a membership change', () => {
    const t = setup();
    t.control.receive({ type: 'shards_held', node: 'node-b', at: T0, shards: [1, 2], epochs: [4, 5] });
    t.control.receive({ type: 'shards_taken', node: 'node-b', at: T0, shards: [3], epochs: [6] });
    assert.deepEqual(t.epochs, [['node-b', [1, 2], [4, 5]], ['node-b', [3], [6]]]);
    for (const type of ['node_joined', 'node_leaving', 'shards_released'] as const) t.control.receive({ type, node: 'node-b', at: T0 });
    assert.deepEqual(t.changes.map((c) => c.type), ['node_joined', 'node_leaving', 'shards_released']);
  });

  it('epochs that do not pair up with the shards are dropped, but still count as a sign that the store answers', () => {
    const t = setup();
    t.control.receive({ type: 'shards_held', node: 'node-b', at: T0, shards: [1, 2], epochs: [4] });
    t.control.receive({ type: 'shards_taken', node: 'node-b', at: T0, shards: [1] });
    assert.deepEqual(t.epochs, [['node-b', [], []], ['node-b', [], []]]);
  });

  it('its own broadcasts are ignored', () => {
    const t = setup();
    t.control.receive({ type: 'node_joined', node: 'node-a', at: T0 });
    t.control.receive({ type: 'shards_held', node: 'node-a', at: T0, shards: [1], epochs: [9] });
    assert.deepEqual([t.changes, t.epochs], [[], []]);
  });

  it('over the bus: an announcement reaches the others, an invalid broadcast is logged and ignored', async () => {
    const bus = createMemoryBus();
    const a = setup(bus);
    const b = new Control({ bus, clock: new ManualClock(T0), logger: captureLogger(), node: 'node-b', onEpochs: () => {}, onMembershipChange: () => {} });
    await a.control.start();
    await b.start();
    await b.announce('shards_held', [0], [7]);
    await waitFor(() => a.epochs.length === 1, 'the broadcast');
    assert.deepEqual(a.epochs, [['node-b', [0], [7]]]);
    await bus.publish(CONTROL_EXCHANGE, clusterControlKey('node_joined'), { type: 'node_joined' });
    await waitFor(() => a.logger.entries.some((e) => e.msg === 'invalid cluster control message ignored'), 'the warning');
    assert.deepEqual(a.changes, []);
    await a.control.stop();
    await b.stop();
    await bus.close();
  });

  it('a broadcast that cannot be published is logged, never thrown (the others notice on their next round)', async () => {
    const bus = createMemoryBus();
    const t = setup(bus);
    await bus.close();
    await t.control.announce('node_leaving');
    assert.ok(t.logger.entries.some((e) => e.level === 'warn' && e.msg?.startsWith('cluster control broadcast failed') === true));
  });
});
