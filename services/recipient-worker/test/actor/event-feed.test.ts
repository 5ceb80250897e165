import assert from 'node:assert/strict';
import { EVENTS_EXCHANGE, FEED_EXCHANGE, RECIPIENT_EVENT_BATCH_MAX, freshRecipientState, statusOf, validateRecipientEventBatch, type RecipientEvent, type RecipientEventBatch } from '@qubicle/contracts';
import { OutboxRelay } from '../../src/actor/outbox-relay.js';
import { EventFeed } from '../../src/actor/event-feed.js';
import { actorHarness } from '../support/actor-harness.js';
import { ACCOUNT, NODE, OTHER, RECIPIENT, cmd } from '../support/machine-fixtures.js';
import { deferred, waitFor, within } from '../support/wait.js';

/** A bus whose publishes wait for the test to confirm (or fail) them, like broker confirms. */
class ConfirmingBus {
  readonly published: Array<{ exchange: string; routingKey: string; body: unknown; confirm: () => void; fail: (e: Error) => void }> = [];
  publish(exchange: string, routingKey: string, body: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => this.published.push({ exchange, routingKey, body, confirm: resolve, fail: reject }));
  }
  batches(): RecipientEventBatch[] {
    return this.published.filter((p) => p.exchange === FEED_EXCHANGE).map((p) => p.body as RecipientEventBatch);
  }
}

const turn = () => new Promise<void>((r) => setImmediate(r));

function event(seq: number, recipient = RECIPIENT): RecipientEvent {
  return {
    event: 'away',
    account_id: ACCOUNT,
    recipient_id: recipient,
    seq,
    timestamp: 1,
    node: NODE,
    status: statusOf(freshRecipientState({ account_id: ACCOUNT, recipient_id: recipient, login_session_id: 'session-1', loginTime: 1, seq }), 2, NODE),
  };
}

describe('actor/event-feed', () => {
  it('the events of one turn go out as ONE batch, in order; each add settles only when that batch is confirmed', async () => {
    const bus = new ConfirmingBus();
    const feed = new EventFeed(bus, NODE);
    let settled = 0;
    const adds = [1, 2, 3].map((seq) => feed.add(event(seq)).then(() => void settled++));
    assert.equal(bus.published.length, 0, 'nothing before the end of the turn');
    await turn();
    assert.equal(bus.published.length, 1);
    assert.equal(bus.published[0]!.exchange, FEED_EXCHANGE);
    assert.deepEqual(bus.batches()[0]!.events.map((e) => e.seq), [1, 2, 3]);
    assert.equal(bus.batches()[0]!.node, NODE);
    await turn();
    assert.equal(settled, 0, 'not before the broker confirmed');
    bus.published[0]!.confirm();
    await within(Promise.all(adds));
    assert.equal(settled, 3);
    assert.deepEqual(feed.stats, { batches: 1, events: 3 });
  });

  it('a failed batch rejects exactly its own events; the next turn is a new batch', async () => {
    const bus = new ConfirmingBus();
    const feed = new EventFeed(bus, NODE);
    const first = [feed.add(event(1)), feed.add(event(2))];
    await turn();
    const second = feed.add(event(3));
    await turn();
    assert.equal(bus.published.length, 2);
    bus.published[0]!.fail(new Error('broker gone'));
    bus.published[1]!.confirm();
    for (const p of first) await assert.rejects(p, /broker gone/);
    await within(second);
  });

  it('a full batch is published at once (a turn with more events is split)', async () => {
    const bus = new ConfirmingBus();
    const feed = new EventFeed(bus, NODE);
    for (let i = 1; i <= RECIPIENT_EVENT_BATCH_MAX + 5; i++) void feed.add(event(i)).catch(() => undefined);
    assert.equal(bus.published.length, 1, 'the full batch went without waiting for the turn');
    await turn();
    assert.deepEqual(bus.batches().map((b) => b.events.length), [RECIPIENT_EVENT_BATCH_MAX, 5]);
    for (const b of bus.batches()) assert.ok(validateRecipientEventBatch(b).ok, 'every batch is valid against its contract');
  });

  it('actors: an event is on the topic exchange AND in a confirmed feed batch before the reply; both recipients of a turn share one batch', async () => {
    const h = actorHarness();
    const bus = new ConfirmingBus();
    h.env.relay = new OutboxRelay({ bus, store: h.store, clock: h.clock, logger: h.logger, feed: new EventFeed(bus, NODE) });
    let replied = 0;
    const logins = [RECIPIENT, OTHER].map((r) => h.registry.dispatch(ACCOUNT, r, cmd({ type: 'login' }, { recipient_id: r })).then((x) => (replied++, x)));
    await waitFor(() => bus.batches().length === 1 && bus.published.filter((p) => p.exchange === EVENTS_EXCHANGE).length === 2, 'two topic publishes and one feed batch');
    assert.deepEqual(bus.batches()[0]!.events.map((e) => e.recipient_id).sort(), [RECIPIENT, OTHER].sort());
    // confirm the topic publishes only: the actors still wait for the feed
    for (const p of bus.published.filter((x) => x.exchange === EVENTS_EXCHANGE)) p.confirm();
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(replied, 0, 'no reply before the feed batch was confirmed');
    bus.published.find((p) => p.exchange === FEED_EXCHANGE)!.confirm();
    for (const r of await within(Promise.all(logins))) assert.equal(r.ok, true);
  });

  it('actors: a failed feed batch is logged, the command still answers (the change is durable), the feed leg alone is sent again', async () => {
    const h = actorHarness();
    const gate = deferred();
    let feedAttempts = 0;
    const fed: string[] = [];
    h.env.relay = new OutboxRelay({
      bus: h.bus,
      store: h.store,
      clock: h.clock,
      logger: h.logger,
      feed: {
        add: async (e) => {
          if (++feedAttempts === 1) {
            await gate.promise;
            throw new Error('feed channel closed');
          }
          fed.push(e.event);
        },
      },
    });
    const reply = h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'login' }));
    gate.resolve();
    assert.equal((await within(reply)).ok, true);
    assert.ok(h.logger.entries.some((l) => l.level === 'warn' && /event publish failed/.test(l.msg ?? '')), JSON.stringify(h.logger.entries));
    assert.deepEqual(h.bus.names(), ['create'], 'the topic publish went out');
    h.clock.advance(100); // the relay's first backoff
    await waitFor(() => fed.length === 1, 'the feed leg sent again');
    assert.deepEqual(fed, ['create']);
    assert.deepEqual(h.bus.names(), ['create'], 'the confirmed topic leg is not sent twice');
  });
});
