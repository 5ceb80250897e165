/** docs/configuration.md shows the current CONFIG_VARIABLES tables (`npm run docs:config` rewrites them). */
import { strict as assert } from 'node:assert';
import { CONFIG_DOC, renderConfigTables, withCurrentTables } from '../../scripts/lib/config-docs.js';
import { readText } from './support/deploy.js';
import { CONFIG_VARIABLES as GATEWAY_VARIABLES } from '@qubicle/api-gateway';
import { CONFIG_VARIABLES as WORKER_VARIABLES } from '@qubicle/recipient-worker';

describe('deploy: docs/configuration.md', () => {
  it('holds the tables generated from CONFIG_VARIABLES (run `npm run docs:config` after changing a config.ts)', () => {
    const doc = readText(CONFIG_DOC);
    assert.equal(doc, withCurrentTables(doc), `${CONFIG_DOC} is out of date: run npm run docs:config`);
    assert.ok(doc.includes(renderConfigTables()));
  });

  it('names every variable of both services', () => {
    const doc = readText(CONFIG_DOC);
    for (const v of [...GATEWAY_VARIABLES, ...WORKER_VARIABLES]) assert.ok(doc.includes(`| \`${v.name}\` |`), v.name);
  });
});
