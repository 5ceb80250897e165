import assert from 'node:assert/strict';
import { createMemoryBus, noopLogger, type IncomingMessage, type Logger } from '@qubicle/transport';
import { SharedEvents } from '../../src/read-model/shared-events.js';

const EX = 'test.events';
const FEED = 'test.events.feed';
const KEY = 'qubicle.recipient.#';

/** Resolves once `check` holds (polled each turn), failing after 2 s. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

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
    await until('both listeners', () => a.length === 1 && b.length === 1);
    assert.deepEqual([a, b], [[{ n: 1 }], [{ n: 1 }]]);
    await cb.cancel();
    await bus.publish(EX, 'qubicle.recipient.a.b.away', { n: 2 });
    await until('the remaining listener', () => a.length === 2);
    assert.deepEqual([a, b], [[{ n: 1 }, { n: 2 }], [{ n: 1 }]]);
    await ca.cancel();
    assert.equal(shared.size, 0);
    // cancelled with the last listener: a marker listener attached now sees only what comes after
    const after: unknown[] = [];
    await bus.publish(EX, 'qubicle.recipient.a.b.ready', { n: 3 });
    const marker = await shared.subscribe({ exchange: EX, bindingKeys: [KEY] }, async (m: IncomingMessage) => void after.push(m.body));
    await bus.publish(EX, 'qubicle.recipient.a.b.ready', { n: 4 });
    await until('the marker', () => after.length === 1);
    assert.deepEqual(after, [{ n: 4 }], 'n: 3 was published while nothing was subscribed');
    assert.equal(a.length, 2, 'the detached listener got nothing more');
    await marker.cancel();
    // another binding passes through to the bus
    await shared.subscribe({ exchange: EX, bindingKeys: ['other.#'] }, async () => {});
    assert.equal(subscriptions, 3);
    await bus.close();
  });

  it('with a feed: ONE subscription on the fanout feed; each event of a batch reaches the listeners alone, in order, under its routing key', async () => {
    const bus = createMemoryBus();
    const declared: Array<[string, string]> = [];
    const specs: unknown[] = [];
    const real = {
      subscribe: (...args: Parameters<typeof bus.subscribe>) => {
        specs.push(args[0]);
        return bus.subscribe(...args);
      },
      declareExchange: async (name: string, type: 'topic' | 'direct' | 'fanout') => {
        declared.push([name, type]);
        await bus.declareExchange(name, type);
      },
    };
    const warnings: unknown[] = [];
    const logger: Logger = { ...noopLogger, warn: (obj) => void warnings.push(obj) };
    const shared = new SharedEvents(real, { exchange: EX, bindingKey: KEY, feed: FEED, logger });
    const got: Array<{ key: string; body: unknown }> = [];
    await shared.subscribe({ exchange: EX, bindingKeys: [KEY] }, async (m) => void got.push({ key: m.routingKey, body: m.body }));
    assert.deepEqual(declared, [[FEED, 'fanout']]);
    assert.equal(specs.length, 1);
    assert.equal((specs[0] as { exchange: string }).exchange, FEED);

    const ev = (recipient: string, event: string, seq: number) => ({ event, account_id: 'acc', recipient_id: recipient, seq });
    await bus.publish(FEED, 'node-1', { node: 'node-1', events: [ev('r1', 'ready', 1), ev('r2', 'away', 7), ev('r1', 'away', 2)] });
    await until('three events', () => got.length === 3);
    assert.deepEqual(
      got.map((g) => g.key),
      ['qubicle.recipient.acc.r1.ready', 'qubicle.recipient.acc.r2.away', 'qubicle.recipient.acc.r1.away'],
    );
    assert.deepEqual(got[1]!.body, ev('r2', 'away', 7));

    // an invalid batch is logged and dropped; the feed goes on
    await bus.publish(FEED, 'node-1', { node: 'node-1', events: 'nope' });
    await bus.publish(FEED, 'node-1', { node: 'node-1', events: [ev('r3', 'ready', 1)] });
    await until('the next valid batch', () => got.length === 4);
    assert.equal(warnings.length, 1);
    // the topic exchange is not read at all
    await bus.publish(EX, 'qubicle.recipient.acc.r9.ready', ev('r9', 'ready', 1));
    await bus.publish(FEED, 'node-1', { node: 'node-1', events: [ev('r4', 'ready', 1)] });
    await until('the batch after the topic event', () => got.length === 5);
    assert.equal(got[4]!.key, 'qubicle.recipient.acc.r4.ready', 'nothing from the topic exchange in between');
    await bus.close();
  });
});
