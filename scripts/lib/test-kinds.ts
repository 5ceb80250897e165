/**
 * Which tests are unit tests and which are integration tests: decided by where a file is and
 * what it is named, nothing else (README "Tests").
 *
 * - unit: `*.test.ts` in a package's or tool's own `test/` folder (`libs/*`, `services/*`,
 *   `tools/*`): in-process, no broker, no Docker (`npm run test:unit`, seconds);
 * - integration: everything under the repo's `test/` folder (real processes, the real RabbitMQ, a
 *   browser, deploy files), and every `*.integration.test.ts` in a package's folder — the name a
 *   package test takes when it needs the broker (`npm run test:integration`).
 */

/** mocha spec globs (relative to the repo root) of each kind; `all` is what `npm test` runs. */
export const TEST_GLOBS = {
  unit: ['{libs,services,tools}/*/test/**/*.test.ts'],
  integration: ['test/**/*.test.ts', '{libs,services,tools}/*/test/**/*.integration.test.ts'],
  all: ['test/**/*.test.ts', '{libs,services,tools}/*/test/**/*.test.ts'],
} as const;

/** mocha ignore globs of each kind. */
export const TEST_IGNORES = {
  unit: ['**/node_modules/**', '**/*.integration.test.ts'],
  integration: ['**/node_modules/**'],
  all: ['**/node_modules/**'],
} as const;

export type TestKind = keyof typeof TEST_GLOBS;

/** Is this test file (a path relative to the repo root, or absolute under `root`) an integration test? */
export function isIntegrationTest(file: string, root = ''): boolean {
  const rel = root && file.startsWith(root) ? file.slice(root.length).replace(/^[\\/]+/, '') : file;
  return rel.replace(/\\/g, '/').startsWith('test/') || rel.endsWith('.integration.test.ts');
}
