/**
 * Exchanges and queues declared through the bus: remembered as setup functions, so they are
 * re-declared on every reconnect (in declaration order, before anything registered later).
 */
import type { ChannelModel } from 'amqplib';
import type { Logger, QueueSpec } from '../bus.js';
import type { AmqpConnection } from './connection.js';
import { assertQueueOptions } from './consumer.js';
import { amqpCode, refused } from './util.js';

export type ExchangeType = 'topic' | 'direct' | 'fanout';

export class Topology {
  private readonly exchanges = new Map<string, { type: ExchangeType; ready: Promise<void> }>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly log: Logger,
  ) {}

  declareExchange(name: string, type: ExchangeType): Promise<void> {
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
    return this.exchanges.get(name)?.ready ?? this.declareExchange(name, 'topic');
  }

  declareQueue(spec: QueueSpec, bindings: Array<{ exchange: string; routingKey: string }> = []): Promise<void> {
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
