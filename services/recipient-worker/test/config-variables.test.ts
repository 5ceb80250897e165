import assert from 'node:assert/strict';
import { CONFIG_VARIABLES, loadWorkerConfig } from '../src/config.js';

/** The names of the variables a loader reads, whatever it reads them for. */
function variablesRead(load: (env: Record<string, string | undefined>) => unknown): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_, name) {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  load(env);
  return read;
}

describe('config: CONFIG_VARIABLES (the table behind docs/configuration.md and the deploy tests)', () => {
  it('lists exactly the variables loadWorkerConfig reads', () => {
    const read = [...variablesRead(loadWorkerConfig)].sort();
    const listed = CONFIG_VARIABLES.map((v) => v.name).sort();
    assert.deepEqual(listed, read);
  });

  it('names are unique, each row is complete, every documented default is accepted', () => {
    assert.equal(new Set(CONFIG_VARIABLES.map((v) => v.name)).size, CONFIG_VARIABLES.length);
    for (const v of CONFIG_VARIABLES) {
      assert.match(v.name, /^[A-Z][A-Z0-9_]*$/);
      assert.ok(v.description.length > 10, v.name);
      assert.ok(v.services.includes('worker'), `${v.name}: a worker variable is read by the worker`);
      if (v.default !== null && !v.default.includes('<')) assert.doesNotThrow(() => loadWorkerConfig({ [v.name]: v.default! }), v.name);
    }
  });

  it('READY_GRACE_MS: default 30 s, validated with its name', () => {
    assert.equal(loadWorkerConfig({}).readyGraceMs, 30_000);
    assert.equal(loadWorkerConfig({ READY_GRACE_MS: '0' }).readyGraceMs, 0);
    assert.throws(() => loadWorkerConfig({ READY_GRACE_MS: 'soon' }), /READY_GRACE_MS/);
  });
});
