import assert from 'node:assert/strict';
import { CONFIG_VARIABLES, loadGatewayConfig } from '../src/config.js';

function variablesRead(load: (env: Record<string, string | undefined>) => unknown, base: Record<string, string> = {}): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({ ...base } as Record<string, string | undefined>, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return typeof name === 'string' ? target[name] : undefined;
    },
  });
  load(env);
  return read;
}

describe('config: CONFIG_VARIABLES (the table behind docs/configuration.md and the deploy tests)', () => {
  it('lists exactly the variables loadGatewayConfig reads', () => {
    const read = variablesRead(loadGatewayConfig);
    // AUTH_TOKEN_SECRET is only read/checked in some paths: read it with an AMQP_URL set too
    for (const n of variablesRead(loadGatewayConfig, { AMQP_URL: 'amqp://h', AUTH_TOKEN_SECRET: 'x'.repeat(40) })) read.add(n);
    assert.deepEqual(CONFIG_VARIABLES.map((v) => v.name).sort(), [...read].sort());
  });

  it('names are unique, each row is complete, every documented default is accepted', () => {
    assert.equal(new Set(CONFIG_VARIABLES.map((v) => v.name)).size, CONFIG_VARIABLES.length);
    for (const v of CONFIG_VARIABLES) {
      assert.ok(v.description.length > 10, v.name);
      assert.ok(v.services.includes('gateway'), v.name);
      if (v.default !== null && !v.default.includes('<')) assert.doesNotThrow(() => loadGatewayConfig({ [v.name]: v.default! }), v.name);
    }
    assert.equal(CONFIG_VARIABLES.find((v) => v.name === 'AUTH_TOKEN_SECRET')?.secret, true);
  });
});
