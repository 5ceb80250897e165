/**
 * The echo responder of baselines B and C: raw amqplib, consumes ECHO_QUEUE (prefetch 200, acked
 * one by one, like a shard queue) and sends every body straight back to its replyTo with its
 * correlationId. Prints {"ready":true} once consuming.
 */
import amqp from 'amqplib';

const url = process.env['AMQP_URL']!;
const queue = process.env['ECHO_QUEUE'] ?? 'bench.echo';
const conn = await amqp.connect(url, { noDelay: true });
const ch = await conn.createChannel();
await ch.assertQueue(queue, { durable: false, autoDelete: false });
await ch.prefetch(200);
await ch.consume(queue, (msg) => {
  if (!msg) return;
  const { replyTo, correlationId } = msg.properties as { replyTo?: string; correlationId?: string };
  if (replyTo) ch.sendToQueue(replyTo, msg.content, { correlationId, contentType: 'application/json' });
  ch.ack(msg);
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.once('SIGTERM', () => {
  void conn.close().finally(() => process.exit(0));
});
