import assert from 'node:assert/strict';
import { createMemoryBus, noopLogger, type IncomingMessage } from '@qubicle/transport';
import { SharedEvents } from '../../src/read-model/shared-events.js';

const EX = 'test.events';
const KEY = 'qubicle.recipient.#';
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('read model: one shared event consumer', () => {
  it('listeners of the shared binding share ONE subscription; each gets every event; the last detach cancels it', async () => {
    const bus = createMemoryBus();
    let subscriptions = 0;
    const real = {
      subscribe: (...args: Parameters<typeof bus.subscribe>) => {
        subscriptions++;
        return bus.subscribe(...args);
      },
    };
    const shared = new SharedEvents(real, { exchange: EX, bindingKey: KEY, logger: noopLogger });
    const a: unknown[] = [];
    const b: unknown[] = [];
    const ca = await shared.subscribe({ exchange: EX, bindingKeys: [KEY] }, async (m: IncomingMessage) => void a.push(m.body));
    const cb = await shared.subscribe({ exchange: EX, bindingKeys: [KEY] }, async (m: IncomingMessage) => {
      b.push(m.body);
      throw new Error('a failing listener does not starve the others');
    });
    assert.equal(subscriptions, 1);
    await bus.publish(EX, 'qubicle.recipient.a.b.ready', { n: 1 });
    await settle();
    assert.deepEqual([a, b], [[{ n: 1 }], [{ n: 1 }]]);
    await cb.cancel();
    await bus.publish(EX, 'qubicle.recipient.a.b.away', { n: 2 });
    await settle();
    assert.deepEqual([a, b], [[{ n: 1 }, { n: 2 }], [{ n: 1 }]]);
    await ca.cancel();
    assert.equal(shared.size, 0);
    await bus.publish(EX, 'qubicle.recipient.a.b.ready', { n: 3 });
    await settle();
    assert.equal(a.length, 2, 'cancelled with the last listener');
    // another binding passes through to the bus
    await shared.subscribe({ exchange: EX, bindingKeys: ['other.#'] }, async () => {});
    assert.equal(subscriptions, 2);
    await bus.close();
  });
});
