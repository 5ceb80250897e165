/**
 * Raw bus access for the fuzz suite: any text to any queue or exchange, as an attacker on the
 * vhost would send it (amqplib directly, not our transport: no serialisation of ours in between),
 * and RPC replies through RabbitMQ's direct reply-to.
 */
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';

export class RawBus {
  private readonly replies = new Map<string, (m: ConsumeMessage) => void>();

  private constructor(
    private readonly conn: ChannelModel,
    private readonly ch: Channel,
  ) {}

  static async open(url: string): Promise<RawBus> {
    const conn = await amqp.connect(url, { noDelay: true });
    const ch = await conn.createChannel();
    const bus = new RawBus(conn, ch);
    await ch.consume(
      'amq.rabbitmq.reply-to',
      (m) => {
        if (m) bus.replies.get(String(m.properties.correlationId))?.(m);
      },
      { noAck: true },
    );
    return bus;
  }

  /** Sends `text` to `queue` with a reply address; resolves with the reply's text (rejects after `timeoutMs`). */
  call(queue: string, text: string, timeoutMs = 5_000): Promise<string> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new Error(`no reply from ${queue} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.replies.set(id, (m) => {
        clearTimeout(timer);
        this.replies.delete(id);
        resolve(m.content.toString('utf8'));
      });
      this.ch.sendToQueue(queue, Buffer.from(text), {
        replyTo: 'amq.rabbitmq.reply-to',
        correlationId: id,
        contentType: 'application/json',
        headers: { 'x-deadline': Date.now() + timeoutMs },
      });
    });
  }

  /** Fire and forget: no reply address (the consumer dead-letters what it refuses). */
  send(queue: string, text: string): void {
    this.ch.sendToQueue(queue, Buffer.from(text), { correlationId: randomUUID(), contentType: 'application/json' });
  }

  publish(exchange: string, routingKey: string, text: string): void {
    this.ch.publish(exchange, routingKey, Buffer.from(text), { contentType: 'application/json' });
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}
