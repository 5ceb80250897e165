/**
 * Baseline C (the naive design): Koa + @koa/router doing ONE raw amqplib RPC (direct reply-to,
 * `noDelay: true`) per request to the echo responder, answering its reply as JSON. No auth, no
 * validation, no logging: only the cost of "one broker round trip per HTTP request".
 * Prints {"ready":{"port":N}} once listening and connected.
 */
import { randomUUID } from 'node:crypto';
import { Router } from '@koa/router';
import amqp from 'amqplib';
import Koa from 'koa';

const url = process.env['AMQP_URL']!;
const queue = process.env['ECHO_QUEUE'] ?? 'bench.echo';
const conn = await amqp.connect(url, { noDelay: true });
const ch = await conn.createChannel();
const pending = new Map<string, (body: Buffer) => void>();
await ch.consume(
  'amq.rabbitmq.reply-to',
  (msg) => {
    if (!msg) return;
    const id = msg.properties.correlationId as string;
    const resolve = pending.get(id);
    if (!resolve) return;
    pending.delete(id);
    resolve(msg.content);
  },
  { noAck: true },
);

function rpc(body: unknown): Promise<Buffer> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (pending.delete(id)) reject(new Error('timeout'));
    }, 10_000);
    pending.set(id, (content) => {
      clearTimeout(timer);
      resolve(content);
    });
    ch.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { replyTo: 'amq.rabbitmq.reply-to', correlationId: id, expiration: '10000', contentType: 'application/json' });
  });
}

const app = new Koa();
const router = new Router();
router.get('/status/:id', async (ctx) => {
  const reply = await rpc({ type: 'get_status', command_id: randomUUID(), account_id: 'a'.repeat(32), recipient_id: ctx.params['id'], shard_count: 64 });
  ctx.body = { data: JSON.parse(reply.toString('utf8')) as unknown, status: 'success' };
});
app.use(router.routes());
const server = app.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: { port: (server.address() as { port: number }).port } })}\n`);
});
server.keepAliveTimeout = 5_000;
process.once('SIGTERM', () => server.close(() => void conn.close().finally(() => process.exit(0))));
