/**
 * Baseline A (the HTTP limit): bare Koa + @koa/router answering a small JSON document, nothing
 * else (no middleware, no logging). Prints {"ready":{"port":N}} once listening.
 */
import { Router } from '@koa/router';
import Koa from 'koa';

const app = new Koa();
const router = new Router();
router.get('/status', (ctx) => {
  ctx.body = { data: { available: true, availability_state: 'Ready' }, status: 'success' };
});
app.use(router.routes());
const server = app.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: { port: (server.address() as { port: number }).port } })}\n`);
});
server.keepAliveTimeout = 5_000;
process.once('SIGTERM', () => server.close(() => process.exit(0)));
