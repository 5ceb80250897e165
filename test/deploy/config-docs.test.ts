/** docs/configuration.md shows the current CONFIG_VARIABLES tables (`npm run docs:config` rewrites them). */
import { strict as assert } from 'node:assert';
import { CONFIG_DOCS, renderConfigTables, withCurrentTables } from '../../scripts/lib/config-docs.js';
import { readText } from './support/deploy.js';
import { CONFIG_VARIABLES as GATEWAY_VARIABLES } from '@qubicle/api-gateway';
import { CONFIG_VARIABLES as WORKER_VARIABLES } from '@qubicle/recipient-worker';

for (const file of CONFIG_DOCS) {
  describe(`deploy: configuration tables in ${file}`, () => {
    it('holds the tables generated from CONFIG_VARIABLES (run `npm run docs:config` after changing a config.ts)', () => {
      const doc = readText(file);
      assert.equal(doc, withCurrentTables(doc), `${file} is out of date: run npm run docs:config`);
      assert.ok(doc.includes(renderConfigTables()));
    });

    it('names every variable of both services', () => {
      const doc = readText(file);
      for (const v of [...GATEWAY_VARIABLES, ...WORKER_VARIABLES]) assert.ok(doc.includes(`| \`${v.name}\` |`), v.name);
    });
  });
}
