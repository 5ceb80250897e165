/**
 * `npm start -- --demo-calls` as a real process (embedded: in-process bus, SQLite in a temp
 * folder): the demo queue is created, its agents are logged in, simulated callers join it, the
 * queue process routes them and a call is answered and hung up; SIGTERM ends it cleanly.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const START = fileURLToPath(new URL('../../scripts/start-embedded.ts', import.meta.url));

describe('ops: npm start -- --demo-calls routes simulated calls on the embedded service', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'qubicle-demo-calls-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a demo call is routed to an agent, answered and hung up within the timeout; exit 0 on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SQLITE_PATH: join(dir, 'q.db'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    delete env['AMQP_URL'];
    delete env['MONGODB_URL'];
    delete env['BOOTSTRAP_ADMIN_PASSWORD'];
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', START, '--demo-calls'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const handled = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "demo call handled" within 30 s\nstdout:\n${stdout}\nstderr:\n${stderr}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const line = stdout.split('\n').find((l) => l.includes('"msg":"demo call handled"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as Record<string, unknown>);
        }
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited (${String(code)}) before a demo call was handled\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      });
    });
    let call: Record<string, unknown>;
    try {
      call = await handled;
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.match(String(call['recipient_id']), /^[0-9a-f]{32}$/);
    assert.match(stdout, /Demo calls: simulated callers join "Demo queue"/);
    const started = stdout.split('\n').find((l) => l.includes('"msg":"demo calls: simulated callers are joining the demo queue"'));
    assert.ok(started, stdout);
    assert.equal((JSON.parse(started) as Record<string, unknown>)['queue_id'], call['queue_id']);
    assert.ok(!/"level":"error"/.test(stdout), stdout);
  });
});
