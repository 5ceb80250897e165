/**
 * The process guards keep a process alive through an uncaught exception and an unhandled
 * rejection, log each with its kind and count it. Run in a child process (mocha, in this one, has
 * handlers of its own).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installProcessGuards } from '../src/index.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./support/faulty-process.ts', import.meta.url));

describe('runtime: process guards', function () {
  this.timeout(30_000);

  it('an exception in a timer and an unhandled rejection are logged and counted; the process goes on', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--conditions=source', SCRIPT], { timeout: 20_000 });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const faults = lines.filter((l) => l['fault'] !== undefined);
    assert.deepEqual(faults.map((l) => l['fault']).sort(), ['uncaught_exception', 'unhandled_rejection']);
    assert.ok(faults.some((l) => String(l['err']).includes('thrown in a timer')));
    assert.ok(faults.every((l) => String(l['msg']).endsWith('contained; the process goes on')));
    const last = lines[lines.length - 1]!;
    assert.equal(last['alive'], true);
    assert.deepEqual(last['counts'], { uncaught_exception: 1, unhandled_rejection: 1 });
    assert.deepEqual(last['metric'], { uncaught_exception: 1, unhandled_rejection: 1 });
  });

  it('installs once per process; uninstall removes its handlers', () => {
    const exceptions = process.listenerCount('uncaughtException');
    const rejections = process.listenerCount('unhandledRejection');
    const first = installProcessGuards({ logger: { error() {} } });
    assert.equal(installProcessGuards({ logger: { error() {} } }), first);
    assert.equal(process.listenerCount('uncaughtException'), exceptions + 1);
    assert.equal(process.listenerCount('unhandledRejection'), rejections + 1);
    first.uninstall();
    assert.equal(process.listenerCount('uncaughtException'), exceptions);
    assert.equal(process.listenerCount('unhandledRejection'), rejections);
  });
});
