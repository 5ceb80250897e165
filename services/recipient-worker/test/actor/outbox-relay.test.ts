import assert from 'node:assert/strict';
import { EVENTS_EXCHANGE, NOT_LOGGED_IN_STATUS, type RecipientEvent } from '@qubicle/contracts';
import { OutboxRelay } from '../../src/actor/outbox-relay.js';
import { ManualClock } from '../../src/clock.js';
import { StoreError, type OutboxKey } from '../../src/store/port.js';
import { captureLogger } from '../support/logger.js';
import { ACCOUNT, NODE, OTHER, RECIPIENT } from '../support/machine-fixtures.js';
import { waitFor, within } from '../support/wait.js';

/** Publishes wait for the test to confirm or fail them, like broker confirms; `onStateChange` is driven by hand. */
class ManualBus {
  readonly published: Array<{ exchange: string; body: RecipientEvent; confirm: () => void; fail: (e: Error) => void }> = [];
  private listeners: Array<(connected: boolean) => void> = [];
  publish(exchange: string, _routingKey: string, body: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => this.published.push({ exchange, body: body as RecipientEvent, confirm: resolve, fail: reject }));
  }
  onStateChange(listener: (connected: boolean) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }
  connected(): void {
    for (const l of this.listeners) l(true);
  }
  /** "recipient:seq" of every publish so far. */
  seqs(): string[] {
    return this.published.map((p) => `${p.body.recipient_id === RECIPIENT ? 'R' : 'O'}:${p.body.seq}`);
  }
  confirmAll(): void {
    for (const p of this.published.splice(0)) p.confirm();
  }
}

class FakeOutbox {
  deletes: OutboxKey[][] = [];
  failures = 0;
  async deleteOutbox(keys: readonly OutboxKey[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new StoreError('unavailable', 'disk gone');
    }
    this.deletes.push([...keys]);
  }
  deleted(): number[] {
    return this.deletes.flat().map((k) => k.seq);
  }
}

function event(seq: number, recipient = RECIPIENT): RecipientEvent {
  return { event: 'ready', account_id: ACCOUNT, recipient_id: recipient, seq, timestamp: seq, node: NODE, status: { ...NOT_LOGGED_IN_STATUS } };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

function harness(opts: { feed?: boolean } = {}) {
  const bus = new ManualBus();
  const feedBus = new ManualBus();
  const store = new FakeOutbox();
  const clock = new ManualClock();
  const logger = captureLogger();
  const relay = new OutboxRelay({
    bus,
    store,
    clock,
    logger,
    ...(opts.feed ? { feed: { add: (e: RecipientEvent) => feedBus.publish('feed', '', e) } } : {}),
  });
  return { bus, feedBus, store, clock, logger, relay };
}

describe('actor: the outbox relay', () => {
  it('publishes in order at once, resolves a change once confirmed, then deletes the events from the store in one call', async () => {
    const h = harness();
    let settled = false;
    const first = h.relay.add(1, [event(1), event(2)]).then(() => (settled = true));
    void h.relay.add(2, [event(1, OTHER)]);
    assert.deepEqual(h.bus.seqs(), ['R:1', 'R:2', 'O:1'], 'sent the moment they are handed in, in order');
    assert.equal(h.bus.published[0]!.exchange, EVENTS_EXCHANGE);
    assert.equal(h.relay.pending(), 3);
    h.bus.published[0]!.confirm();
    await turn();
    assert.equal(settled, false, 'waits for every event of the change');
    h.bus.confirmAll();
    await within(first);
    await waitFor(() => h.store.deletes.length === 1, 'the delete');
    assert.deepEqual(h.store.deleted(), [1, 2, 1]);
    assert.deepEqual(h.relay.stats(), { pending: 0, confirmed: 3, failedAttempts: 0, retries: 0, deletesPending: 0 });
  });

  it('a failure: nothing new is sent; after the backoff everything unconfirmed goes again from the head, in order; add() does not wait meanwhile', async () => {
    const h = harness();
    void h.relay.add(1, [event(1), event(2)]);
    h.bus.published[0]!.fail(new Error('channel closed'));
    await turn();
    let resolved = false;
    void h.relay.add(1, [event(3)]).then(() => (resolved = true));
    await turn();
    assert.equal(resolved, true, 'recorded in the store: the caller does not wait for the broker');
    assert.deepEqual(h.bus.seqs(), ['R:1', 'R:2'], 'nothing new sent while failing');
    h.bus.published[1]!.confirm(); // the other publish in flight settles
    await turn();
    h.bus.published.splice(0);
    h.clock.advance(99);
    assert.deepEqual(h.bus.seqs(), [], 'backoff');
    h.clock.advance(1);
    assert.deepEqual(h.bus.seqs(), ['R:1', 'R:3'], 'again from the head; the confirmed one is not sent twice');
    assert.ok(h.logger.entries.some((e) => e.level === 'warn' && /^event publish failed/.test(e.msg ?? '')));
    h.bus.confirmAll();
    await waitFor(() => h.relay.pending() === 0, 'all confirmed');
    await waitFor(() => h.store.deleted().length === 3, 'deleted');
    assert.deepEqual(h.store.deleted(), [1, 2, 3], 'deleted in FIFO order, from the head only');
    assert.equal(h.relay.stats().retries, 1);
  });

  it('the backoff doubles while the broker stays away; a reconnect sends at once', async () => {
    const h = harness();
    void h.relay.add(1, [event(1)]);
    h.bus.published.splice(0)[0]!.fail(new Error('gone'));
    await turn();
    h.clock.advance(100);
    h.bus.published.splice(0)[0]!.fail(new Error('still gone'));
    await turn();
    assert.deepEqual(h.clock.pendingTimers().map((t) => t - h.clock.now()), [200], 'doubled');
    h.bus.connected();
    assert.deepEqual(h.bus.seqs(), ['R:1'], 'the reconnect did not wait for the timer');
    h.bus.confirmAll();
    await waitFor(() => h.relay.pending() === 0, 'confirmed');
  });

  it('only the leg that failed goes again (topic confirmed, feed failed)', async () => {
    const h = harness({ feed: true });
    void h.relay.add(1, [event(1)]);
    assert.equal(h.bus.published.length, 1);
    assert.equal(h.feedBus.published.length, 1);
    h.bus.confirmAll();
    h.feedBus.published.splice(0)[0]!.fail(new Error('feed channel closed'));
    await turn();
    h.clock.advance(100);
    assert.equal(h.bus.published.length, 0, 'the topic leg is not sent twice');
    assert.equal(h.feedBus.published.length, 1, 'the feed leg again');
    h.feedBus.confirmAll();
    await waitFor(() => h.store.deleted().length === 1, 'deleted once both legs are confirmed');
  });

  it('drop: a lost shard\'s events are not sent again (its new owner publishes them from the store); the others are', async () => {
    const h = harness();
    void h.relay.add(1, [event(1)]);
    void h.relay.add(2, [event(1, OTHER)]);
    for (const p of h.bus.published.splice(0)) p.fail(new Error('gone'));
    await turn();
    h.relay.drop(1);
    assert.equal(h.relay.pending(1), 0);
    h.clock.advance(100);
    assert.deepEqual(h.bus.seqs(), ['O:1']);
    h.bus.confirmAll();
    await waitFor(() => h.store.deleted().length === 1, 'deleted');
    assert.deepEqual(h.store.deletes.flat().map((k) => k.recipient_id), [OTHER], 'a dropped event is not deleted: it stays for the new owner');
  });

  it('drain resolves true once a shard has nothing pending, false after its timeout', async () => {
    const h = harness();
    void h.relay.add(1, [event(1)]);
    void h.relay.add(2, [event(1, OTHER)]);
    assert.equal(await h.relay.drain(3, 1_000), true, 'nothing pending');
    const one = h.relay.drain(1, 1_000);
    const two = h.relay.drain(2, 1_000);
    h.bus.published[0]!.confirm();
    assert.equal(await within(one), true);
    h.clock.advance(1_000);
    assert.equal(await within(two), false);
  });

  it('a failed delete is retried after its timer, without hammering the store, and nothing is lost', async () => {
    const h = harness();
    h.store.failures = 1;
    void h.relay.add(1, [event(1)]);
    h.bus.confirmAll();
    await waitFor(() => h.clock.pendingTimers().length === 1, 'the failed delete, kept for its retry timer');
    assert.equal(h.relay.stats().deletesPending, 1);
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(h.store.deletes.length, 0, 'no retry loop: waits for the retry timer');
    h.clock.advance(1_000);
    await waitFor(() => h.store.deletes.length === 1, 'retried');
    assert.deepEqual(h.store.deleted(), [1]);
  });

  it('a failed delete goes again as soon as a write commits (events handed in), not at its timer: a new owner would publish them twice', async () => {
    const h = harness();
    h.store.failures = 1;
    void h.relay.add(1, [event(1)]);
    h.bus.confirmAll();
    await waitFor(() => h.clock.pendingTimers().length === 1, 'the failed delete, kept for its retry timer');
    assert.equal(h.relay.stats().deletesPending, 1);
    // the store takes writes again: the next change's events arrive
    void h.relay.add(1, [event(2)]);
    await waitFor(() => h.store.deletes.length === 1, 'the held-back delete, at once');
    assert.deepEqual(h.store.deleted(), [1]);
    h.bus.confirmAll();
    await waitFor(() => h.store.deletes.length === 2, 'and the new one once confirmed');
    assert.deepEqual(h.store.deleted(), [1, 2]);
    assert.equal(h.clock.pendingTimers().length, 0, 'no retry timer left');
  });
});
