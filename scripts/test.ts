/**
 * `npm test`: make sure a broker answers, then run every mocha test of the repo in
 * this process and end with the plain line CI reads: "N passed, N failed[, N skipped]".
 */
import Mocha from 'mocha';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBroker } from './lib/broker.js';

const args = process.argv.slice(2);
const patterns = args.filter((a) => !a.startsWith('--'));
const grep = args.find((a) => a.startsWith('--grep='))?.slice('--grep='.length);

/** Test roots: each package's and tool's test/ folder and the repo's end-to-end test/. */
function defaultRoots(): string[] {
  const roots = ['test'];
  for (const group of ['libs', 'services', 'tools']) {
    if (!existsSync(group)) continue;
    for (const pkg of readdirSync(group)) roots.push(join(group, pkg, 'test'));
  }
  return roots.filter((r) => existsSync(r));
}

function testFilesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return path.endsWith('.ts') ? [path] : [];
  return readdirSync(path)
    .filter((name) => name !== 'node_modules')
    .flatMap((name) => {
      const full = join(path, name);
      return statSync(full).isDirectory() ? testFilesUnder(full) : full.endsWith('.test.ts') ? [full] : [];
    });
}

function log(line: string): void {
  process.stdout.write(`[test] ${line}\n`);
}

async function main(): Promise<number> {
  const broker = await ensureBroker(log);
  process.env['AMQP_URL'] = broker.url;
  log(`broker: ${broker.url.replace(/\/\/[^@]*@/, '//***@')}`);

  const files = (patterns.length ? patterns : defaultRoots()).flatMap(testFilesUnder).sort();
  if (files.length === 0) throw new Error('no test files found');

  const mocha = new Mocha({ timeout: 30_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  for (const f of files) mocha.addFile(f);
  await mocha.loadFilesAsync();

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures: string[] = [];
  const runner = mocha.run();
  runner.on('pass', () => passed++);
  runner.on('fail', (test, err) => {
    failed++;
    failures.push(`${test.fullTitle()}: ${(err as Error)?.message ?? String(err)}`);
  });
  runner.on('pending', () => skipped++);
  await new Promise<void>((resolve) => runner.on('end', () => resolve()));
  await broker.stop();

  if (failures.length) {
    process.stdout.write('\nFailed:\n');
    for (const f of failures) process.stdout.write(`  - ${f.split('\n')[0]}\n`);
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stdout.write(`\n[test] ${err.message}\n0 passed, 1 failed\n`);
    process.exit(1);
  },
);
