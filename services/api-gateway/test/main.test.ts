import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function run(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['AMQP_URL', 'AUTH_TOKEN_SECRET', 'PORT', 'SHARD_COUNT'].includes(k)));
  return spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN], {
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('main', function () {
  this.timeout(30_000);

  it('refuses to start without AMQP_URL, naming it', () => {
    const r = run({});
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /AMQP_URL/);
  });

  it('refuses AMQP_URL without AUTH_TOKEN_SECRET, naming it', () => {
    const r = run({ AMQP_URL: 'amqp://127.0.0.1:1' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /AUTH_TOKEN_SECRET/);
  });
});
