/**
 * `npm test [files or folders…]`, `npm run test:unit`, `npm run test:integration`: mocha does the
 * running, configured by .mocharc.json (TypeScript through tsx, timeouts, the root hook
 * test/hooks.ts that makes sure a broker answers before integration tests, the reporter that ends
 * with "N passed, N failed"). This script only picks what to run — the files named, or the kind's
 * globs (scripts/lib/test-kinds.ts) — and passes other `--options` to mocha as they are.
 * It also keeps CI's promise when mocha stops before its summary (a file that does not load):
 * the last line is then "0 passed, 1 failed".
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TEST_GLOBS, TEST_IGNORES, type TestKind } from './lib/test-kinds.js';

const SUMMARY = /^\d+ passed, \d+ failed$/;

const args = process.argv.slice(2);
const kindArg = args.find((a) => a.startsWith('--kind='))?.slice('--kind='.length) ?? 'all';
if (!(kindArg in TEST_GLOBS)) throw new Error(`--kind=${kindArg}: expected one of ${Object.keys(TEST_GLOBS).join(', ')}`);
const kind = kindArg as TestKind;
const options = args.filter((a) => a.startsWith('--') && !a.startsWith('--kind='));
// a folder named on the command line means its *.test.ts files (not its support files)
const named = args.filter((a) => !a.startsWith('--')).map((p) => (existsSync(p) && statSync(p).isDirectory() ? join(p, '**/*.test.ts') : p));

const spec = named.length > 0 ? named : [...TEST_GLOBS[kind]];
const ignore = TEST_IGNORES[named.length > 0 ? 'all' : kind].flatMap((g) => ['--ignore', g]);
const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');

const child = spawn(process.execPath, [mocha, ...spec, ...ignore, ...(process.stdout.isTTY ? ['--color'] : []), ...options], {
  stdio: ['inherit', 'pipe', 'inherit'],
});
let tail = '';
child.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-500);
});
child.on('close', (code, signal) => {
  const last = tail.trimEnd().split('\n').pop() ?? '';
  if (!SUMMARY.test(last)) {
    process.stdout.write(`\n[test] mocha ended before its summary (${signal ?? `exit ${code}`})\n0 passed, 1 failed\n`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
