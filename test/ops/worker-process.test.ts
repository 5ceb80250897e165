/**
 * `npm run start:worker` as a real process: JSON lines on stdout, /healthz and /readyz and
 * /metrics on METRICS_PORT, /readyz 200 once it takes part, a graceful exit 0 on SIGTERM.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestVhost, type TestVhost } from '../../libs/transport/test/support/vhost.js';
import { freePort } from '../support/free-port.js';
import { eventually } from './support/stack.js';

const WORKER_MAIN = fileURLToPath(new URL('../../services/recipient-worker/src/main.ts', import.meta.url));

describe('ops: the worker process serves its ops endpoint on METRICS_PORT', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let dir: string;
  before(async () => {
    vhost = await createTestVhost();
    dir = mkdtempSync(join(tmpdir(), 'qubicle-worker-proc-'));
  });
  after(async () => {
    await vhost?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('healthz/readyz/metrics on METRICS_PORT, JSON lines on stdout, exit 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', WORKER_MAIN], {
      env: {
        ...process.env,
        AMQP_URL: vhost.url,
        SQLITE_PATH: join(dir, 'q.db'),
        NODE_NAME: 'proc-worker',
        SHARD_COUNT: '4',
        METRICS_PORT: String(port),
        BOOTSTRAP_ADMIN_PASSWORD: 'proc-secret-pw-91',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      const ready = await eventually('worker /readyz 200', async () => {
        const r = await fetch(`${base}/readyz`);
        return r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
      }, 30_000);
      assert.deepEqual(ready, { status: 'ok', node: 'proc-worker' });
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^qubicle_worker_shards_owned 4$/m);
      assert.match(metrics, /^process_cpu_user_seconds_total /m);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l['msg'] === 'worker started' && l['node'] === 'proc-worker' && l['service'] === 'recipient-worker'));
    assert.ok(lines.every((l) => typeof l['level'] === 'string' && typeof l['time'] === 'string'));
    assert.ok(!stdout.includes('proc-secret-pw-91'), 'the bootstrap password is never logged');
  });
});
