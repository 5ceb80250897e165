/**
 * The Dockerfile, .dockerignore and entry point, checked without a Docker engine: multi-stage,
 * non-root runtime, each command maps to a compiled entry point that the build produces.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readText, ROOT } from './support/deploy.js';

const dockerfile = readText('Dockerfile');
const entrypoint = readText('deploy/docker/entrypoint.sh');

describe('deploy: Dockerfile and entry point', () => {
  it('multi-stage: npm ci + tsc -b in a build stage, a runtime stage from the same base running as non-root', () => {
    const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)];
    assert.ok(stages.length >= 2, 'two stages or more');
    assert.match(dockerfile, /RUN npm ci\b/);
    assert.match(dockerfile, /npx tsc -b/);
    assert.match(dockerfile, /npm prune --omit=dev/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(runtime, /^USER node$/m, 'the runtime stage runs as the node user');
    assert.doesNotMatch(runtime, /npm ci|tsx/, 'no install or transpiler at run time');
    assert.match(runtime, /ENTRYPOINT \["\/usr\/local\/bin\/qubicle"\]/);
  });

  it('gateway | worker | embedded map to the compiled entry points of the sources that exist', () => {
    const targets: Record<string, string> = Object.fromEntries([...entrypoint.matchAll(/^\s*(\w+)\)\s+exec node (\S+)/gm)].map((m) => [m[1]!, m[2]!]));
    assert.deepEqual(Object.keys(targets).sort(), ['embedded', 'gateway', 'worker']);
    // tsc -b: each package compiles src/ to dist/src/; scripts/ (rootDir ..) to dist/scripts/scripts/
    const sourceOf = (compiled: string) =>
      compiled
        .replace(/^\/app\//, '')
        .replace(/^dist\/scripts\/scripts\//, 'scripts/')
        .replace(/\/dist\/src\//, '/src/')
        .replace(/\.js$/, '.ts');
    for (const [cmd, compiled] of Object.entries(targets)) assert.ok(existsSync(join(ROOT, sourceOf(compiled))), `${cmd}: ${sourceOf(compiled)} exists`);
    for (const file of ['deploy/docker/entrypoint.sh', 'deploy/docker/healthcheck.mjs']) {
      assert.ok(dockerfile.includes(`COPY --chown=root:root ${file}`), `${file} is copied into the image`);
    }
  });

  it('.dockerignore keeps local state, dependencies and secrets out of the build context', () => {
    const ignore = readText('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '**/dist', '.git', '.env', 'data']) assert.ok(ignore.includes(entry), entry);
    // what the build copies must not be ignored
    for (const needed of ['libs', 'services', 'scripts', 'test', 'deploy/docker']) assert.ok(!ignore.includes(needed), needed);
  });
});
