/**
 * A broker that refuses the services' connection for good (a wrong password) stops the worker and
 * the gateway with a clear message naming the user and the vhost, never the password, instead of
 * retrying forever (libs/transport/src/amqp/reply-codes.ts). Real processes, real broker; the
 * kill timer only keeps a regression from hanging the suite: the assertions are on the exit code
 * and the message.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestVhost, type TestUser, type TestVhost } from '../../libs/transport/test/support/vhost.js';
import { freePort } from '../support/free-port.js';

const WORKER_MAIN = fileURLToPath(new URL('../../services/recipient-worker/src/main.ts', import.meta.url));
const GATEWAY_MAIN = fileURLToPath(new URL('../../services/api-gateway/src/main.ts', import.meta.url));
const WRONG = 'wrong-password-5f3e1a';

function run(main: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', main], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, out });
    }),
  );
}

describe('ops: a broker that refuses the login stops the process, naming user and vhost', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let user: TestUser;
  let badUrl: string;
  let dir: string;
  before(async () => {
    vhost = await createTestVhost();
    user = await vhost.createUser({ configure: '.*', write: '.*', read: '.*' });
    const u = new URL(user.url);
    u.password = WRONG;
    badUrl = u.href;
    dir = mkdtempSync(join(tmpdir(), 'qubicle-bus-refused-'));
  });
  after(async () => {
    await vhost?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const expectClear = (r: { code: number | null; out: string }, code: number) => {
    assert.equal(r.code, code, r.out);
    assert.match(r.out, /cannot use the message bus/);
    assert.match(r.out, new RegExp(`user '${user.name}'`));
    assert.match(r.out, new RegExp(`vhost '${vhost.name}'`));
    assert.match(r.out, /ACCESS_REFUSED/);
    assert.ok(!r.out.includes(WRONG), 'the password is never printed');
  };

  it('the worker exits 1', async () => {
    const r = await run(WORKER_MAIN, {
      AMQP_URL: badUrl,
      SQLITE_PATH: join(dir, 'w.db'),
      NODE_NAME: 'refused-worker',
      SHARD_COUNT: '4',
      METRICS_PORT: '0',
    });
    expectClear(r, 1);
  });

  it('the gateway exits 2 (a configuration error)', async () => {
    const r = await run(GATEWAY_MAIN, {
      AMQP_URL: badUrl,
      AUTH_TOKEN_SECRET: 'refused-test-secret-0123456789abcdef',
      PORT: String(await freePort()),
      NODE_NAME: 'refused-gateway',
    });
    expectClear(r, 2);
  });
});
