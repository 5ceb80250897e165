/**
 * Exchanges and queues declared through the bus: remembered as setup functions, so they are
 * re-declared on every reconnect (in declaration order, before anything registered later).
 *
 * A bus that does not declare exchanges (`declareExchanges: false`: a gateway, a queue service, an
 * event consumer — the workers own the topology) only waits for each exchange it uses to exist:
 * a passive declare, which needs no `configure` permission (docs/operations.md#least-privilege-on-the-bus),
 * repeated until a worker has declared it.
 */
import type { ChannelModel } from 'amqplib';
import type { Logger, QueueSpec } from '../bus.js';
import { TransportError } from '../errors.js';
import type { AmqpConnection } from './connection.js';
import { assertQueueOptions } from './consumer.js';
import { amqpCode, refused } from './util.js';

export type ExchangeType = 'topic' | 'direct' | 'fanout';

/** Between two passive checks of an exchange that does not exist yet. */
const EXCHANGE_POLL_MS = 500;

export class Topology {
  private readonly exchanges = new Map<string, { type: ExchangeType; ready: Promise<void> }>();
  /** passive mode: exchanges seen (or being waited for) */
  private readonly awaited = new Map<string, Promise<void>>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly log: Logger,
    /** false: never declare an exchange, wait for it to exist instead */
    private readonly declareExchanges = true,
  ) {}

  declareExchange(name: string, type: ExchangeType): Promise<void> {
    if (!this.declareExchanges) return this.awaitExchange(name);
    const known = this.exchanges.get(name);
    if (known && known.type === type) return known.ready;
    const label = `exchange ${name}`;
    const handle = this.connection.addSetup(
      (conn) =>
        withChannel(conn, label, this.log, async (ch) => {
          await ch.assertExchange(name, type, { durable: true });
        }),
      { label },
    );
    const ready = handle.ready.catch((err: unknown) => {
      if (this.exchanges.get(name)?.ready === ready) this.exchanges.delete(name);
      throw err;
    });
    this.exchanges.set(name, { type, ready });
    return ready;
  }

  /**
   * Makes sure `name` exists before publishing / binding to it: the default exchange and the
   * predeclared `amq.*` exchanges always exist; an exchange not declared through the bus is
   * declared as a durable topic exchange.
   */
  ensureExchange(name: string): Promise<void> {
    if (name === '' || name.startsWith('amq.')) return Promise.resolve();
    if (!this.declareExchanges) return this.awaitExchange(name);
    return this.exchanges.get(name)?.ready ?? this.declareExchange(name, 'topic');
  }

  async declareQueue(spec: QueueSpec, bindings: Array<{ exchange: string; routingKey: string }> = []): Promise<void> {
    // the queue is the caller's own; the exchanges it is bound to may be someone else's
    if (!this.declareExchanges) await Promise.all(bindings.map((b) => this.ensureExchange(b.exchange)));
    const label = `queue ${spec.name}`;
    const handle = this.connection.addSetup(
      (conn) =>
        withChannel(conn, label, this.log, async (ch) => {
          await ch.assertQueue(spec.name, assertQueueOptions(spec));
          for (const b of bindings) await ch.bindQueue(spec.name, b.exchange, b.routingKey);
        }),
      { label },
    );
    return handle.ready;
  }

  /** Resolves once the exchange exists (at once when it was seen before). */
  private awaitExchange(name: string): Promise<void> {
    let seen = this.awaited.get(name);
    if (!seen) {
      seen = this.pollExchange(name);
      this.awaited.set(name, seen);
      seen.catch(() => {
        if (this.awaited.get(name) === seen) this.awaited.delete(name);
      });
    }
    return seen;
  }

  private async pollExchange(name: string): Promise<void> {
    let said = false;
    for (;;) {
      if (this.connection.isClosing) throw new TransportError('closed', 'bus closed');
      await this.connection.waitForConnection(); // rejects 'closed' when the bus closes
      const conn = this.connection.current();
      if (conn && (await exchangeExists(conn, name))) return;
      if (!said) {
        said = true;
        this.log.info({ exchange: name }, 'waiting for the exchange to be declared (by the workers)');
      }
      await new Promise<void>((resolve) => setTimeout(resolve, EXCHANGE_POLL_MS).unref());
    }
  }
}

/** A passive declare (no permission needed): true if it exists, false if not or if the check could not be made. */
async function exchangeExists(conn: ChannelModel, name: string): Promise<boolean> {
  let ch: Awaited<ReturnType<ChannelModel['createChannel']>>;
  try {
    ch = await conn.createChannel();
  } catch {
    return false;
  }
  ch.on('error', () => undefined); // 404 NOT_FOUND closes this channel: expected while waiting
  try {
    await ch.checkExchange(name);
    await ch.close().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` on a short-lived channel; a broker refusal becomes TransportError('refused'). */
export async function withChannel(
  conn: ChannelModel,
  label: string,
  log: Logger,
  fn: (ch: Awaited<ReturnType<ChannelModel['createChannel']>>) => Promise<void>,
): Promise<void> {
  const ch = await conn.createChannel();
  ch.on('error', (err: Error) => log.warn({ err, what: label }, 'topology channel error'));
  try {
    await fn(ch);
  } catch (err) {
    if (amqpCode(err) !== undefined) throw refused(err, label);
    throw err;
  } finally {
    await ch.close().catch(() => undefined);
  }
}
