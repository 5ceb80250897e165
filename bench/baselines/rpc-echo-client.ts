/**
 * Baseline B (the broker limit): raw amqplib RPC over direct reply-to, `noDelay: true`, keeping
 * IN_FLIGHT (100) calls outstanding against the echo responder for WARMUP_S then DURATION_S
 * seconds. Prints {"result":{calls, seconds, rps, p50, p99}} (latencies in ms, 10 µs buckets).
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';

const url = process.env['AMQP_URL']!;
const queue = process.env['ECHO_QUEUE'] ?? 'bench.echo';
const inFlight = Number(process.env['IN_FLIGHT'] ?? 100);
const durationS = Number(process.env['DURATION_S'] ?? 10);
const warmupS = Number(process.env['WARMUP_S'] ?? 2);
const body = Buffer.from(JSON.stringify({ type: 'get_status', command_id: randomUUID(), account_id: 'a'.repeat(32), recipient_id: 'b'.repeat(32), shard_count: 64 }));

const conn = await amqp.connect(url, { noDelay: true });
const ch = await conn.createChannel();
const pending = new Map<string, { at: number; resolve: () => void }>();
await ch.consume(
  'amq.rabbitmq.reply-to',
  (msg) => {
    if (!msg) return;
    const p = pending.get(msg.properties.correlationId as string);
    if (!p) return;
    pending.delete(msg.properties.correlationId as string);
    p.resolve();
  },
  { noAck: true },
);

const BUCKET_MS = 0.01;
const hist = new Uint32Array(1_000_000); // up to 10 s
let measuring = false;
let calls = 0;
let stop = false;

function call(): Promise<void> {
  const id = randomUUID();
  const at = performance.now();
  return new Promise<void>((resolve) => {
    pending.set(id, {
      at,
      resolve: () => {
        if (measuring) {
          calls++;
          hist[Math.min(hist.length - 1, Math.floor((performance.now() - at) / BUCKET_MS))]!++;
        }
        resolve();
      },
    });
    ch.sendToQueue(queue, body, { replyTo: 'amq.rabbitmq.reply-to', correlationId: id, expiration: '10000', contentType: 'application/json' });
  });
}

async function loop(): Promise<void> {
  while (!stop) await call();
}

const loops = Array.from({ length: inFlight }, loop);
await new Promise((r) => setTimeout(r, warmupS * 1000));
measuring = true;
const started = performance.now();
await new Promise((r) => setTimeout(r, durationS * 1000));
measuring = false;
const seconds = (performance.now() - started) / 1000;
stop = true;
await Promise.all(loops);
const pct = (q: number) => {
  const want = Math.max(1, Math.ceil(calls * q));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= want) return (i + 1) * BUCKET_MS;
  }
  return hist.length * BUCKET_MS;
};
process.stdout.write(`${JSON.stringify({ result: { calls, seconds, rps: calls / seconds, p50: pct(0.5), p99: pct(0.99) } })}\n`);
await conn.close();
process.exit(0);
