/** `npm run docs:config`: rewrites the generated configuration tables of docs/configuration.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_DOC, withCurrentTables } from './lib/config-docs.js';

const before = readFileSync(CONFIG_DOC, 'utf8');
const after = withCurrentTables(before);
if (after === before) process.stdout.write(`${CONFIG_DOC} is up to date\n`);
else {
  writeFileSync(CONFIG_DOC, after);
  process.stdout.write(`${CONFIG_DOC} rewritten\n`);
}
