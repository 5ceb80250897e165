/**
 * A gateway started before its broker is reachable (issue 11, item 13), on the real RabbitMQ: a
 * listening gateway whose AMQP_URL goes through a TCP proxy that refuses connections, while a
 * worker (the fake one) is already on the broker. Until its bus is up, /healthz and /readyz answer,
 * and every API request gets 503 at once with Retry-After and a Crossbar envelope, without touching
 * the bus; once the proxy lets it through, the gateway opens by itself and serves.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAmqpBus, type AmqpBus } from '@qubicle/transport';
import { createTestVhost, type TestVhost } from '../../../libs/transport/test/support/vhost.js';
import { TcpProxy } from '../../../libs/transport/test/support/tcp-proxy.js';
import { createTokenService } from '../src/auth/tokens.js';
import { loadGatewayConfig } from '../src/config.js';
import { createGateway, type Gateway, type ListeningGateway } from '../src/gateway.js';
import { createMetrics } from '../src/metrics.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS as STARTUP_RETRY_AFTER_SECONDS } from '../src/crossbar/errors.js';
import { FakeWorker } from './support/fake-worker.js';
import { makeFixture } from './support/fixtures.js';
import { RecordingLogger, SECRET } from './support/harness.js';
import { Condition } from '../../../libs/transport/test/support/wait.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function get(url: string, token?: string): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { headers: token ? { 'X-Auth-Token': token } : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('gateway start-up before its broker is reachable (real broker, TCP proxy)', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let proxy: TcpProxy;
  let workerBus: AmqpBus;
  let gatewayBus: AmqpBus;
  let gateway: Gateway;
  let server: ListeningGateway;

  before(async () => {
    vhost = await createTestVhost();
    const broker = new URL(vhost.url);
    proxy = await TcpProxy.start({ host: broker.hostname, port: Number(broker.port || 5672) }, { open: false });
  });
  after(async () => {
    await server?.close();
    await gateway?.stop();
    await gatewayBus?.close();
    await workerBus?.close();
    await proxy?.close();
    await vhost?.dispose();
  });

  it('503 + Retry-After + envelope until the bus is up (health endpoints answer), then serves', async () => {
    const fixture = makeFixture();
    const worker = new FakeWorker(fixture, 4);
    workerBus = createAmqpBus({ url: vhost.url, name: 'startup-worker' });
    await workerBus.waitForConnection(10_000);
    await worker.start(workerBus);

    gatewayBus = createAmqpBus({ url: proxy.rewrite(vhost.url), name: 'startup-gateway', reconnect: { initialDelayMs: 50, maxDelayMs: 250 } });
    const config = loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET, RPC_TIMEOUT_MS: '3000', NODE_NAME: 'gw-startup' });
    gateway = createGateway({ bus: gatewayBus, config, logger: new RecordingLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    server = await gateway.listen(0, '127.0.0.1');
    const tokens = createTokenService({ secret: SECRET, ttlSeconds: 3600 });
    const token = await tokens.issue({ account_id: fixture.account.id, account_name: fixture.account.name, owner_id: fixture.agent.id, priv_level: 'user' });
    const statusUrl = `${server.url}/v2/accounts/${fixture.account.id}/qubicle_recipients/${fixture.agent.id}/status`;

    assert.equal((await get(`${server.url}/healthz`)).status, 200);
    const notReady = await get(`${server.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.ok(notReady.body.reasons.includes('message bus not connected'), JSON.stringify(notReady.body));
    const t = Date.now();
    const early = await get(statusUrl, token);
    assert.ok(Date.now() - t < 1000, 'answered at once');
    assert.equal(early.status, 503);
    assert.equal(early.headers.get('retry-after'), String(STARTUP_RETRY_AFTER_SECONDS));
    assert.equal(early.headers.get('content-type'), 'application/json');
    assert.equal(early.body.error, '503');
    assert.equal(early.body.status, 'error');
    assert.equal(early.body.data.code, 'unavailable');
    assert.match(early.body.data.message, /^gateway starting: message bus not connected yet/);
    assert.equal(typeof early.body.request_id, 'string');
    assert.equal(early.headers.get('x-request-id'), early.body.request_id);
    // even the unauthenticated login route: no auth work, no bus traffic, while starting
    const login = await fetch(`${server.url}/v2/user_auth`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"data":{}}' });
    assert.equal(login.status, 503);
    assert.equal(login.headers.get('retry-after'), String(STARTUP_RETRY_AFTER_SECONDS));
    assert.ok(proxy.refused > 0, 'the gateway kept trying to reach the broker');
    assert.deepEqual(worker.received, [], 'nothing reached the worker');

    proxy.open();
    const opened = Date.now();
    await gateway.ready();
    const served = await get(statusUrl, token);
    assert.equal(served.status, 200, JSON.stringify(served.body));
    assert.equal(served.headers.get('retry-after'), null);
    assert.equal((await get(`${server.url}/readyz`)).status, 200);
    process.stdout.write(`      serving ${Date.now() - opened} ms after the broker became reachable\n`);
  });

  it('the gateway process (main.ts): listening and answering 503 + Retry-After with no broker; SIGTERM still exits 0', async () => {
    proxy.cut(); // the broker unreachable again for this process
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['SHARD_COUNT', 'PORT', 'HOST'].includes(k)));
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN], {
      env: { ...clean, AMQP_URL: proxy.rewrite(vhost.url), AUTH_TOKEN_SECRET: SECRET, PORT: '0', HOST: '127.0.0.1', NODE_NAME: 'gw-process', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const printed = new Condition();
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      printed.notify();
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    /** the url of its `gateway listening` log line (PORT=0: the OS picks the port) */
    const listening = (): string | undefined => {
      for (const line of output.split('\n')) {
        try {
          const l = JSON.parse(line) as { msg?: string; url?: string };
          if (l.msg === 'gateway listening' && typeof l.url === 'string') return l.url;
        } catch {
          // not a complete JSON line (yet)
        }
      }
      return undefined;
    };
    try {
      await printed.wait(() => listening() !== undefined, 30_000, 'the gateway process to listen');
      const base = listening()!;
      assert.equal((await get(`${base}/healthz`)).status, 200);
      assert.equal((await get(`${base}/readyz`)).status, 503);
      const early = await get(`${base}/v2/accounts/${'a'.repeat(32)}/qubicle_recipients`);
      assert.equal(early.status, 503);
      assert.equal(early.headers.get('retry-after'), String(STARTUP_RETRY_AFTER_SECONDS));
      assert.equal(early.body.error, '503');
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
      assert.equal(code, 0, `exit after SIGTERM with no broker ever reached: ${String(code)}\n${output.slice(-2000)}`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
