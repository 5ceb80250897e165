/** `npm run docs:config`: rewrites the generated configuration tables of docs/configuration.md and the README. */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_DOCS, withCurrentTables } from './lib/config-docs.js';

for (const doc of CONFIG_DOCS) {
  const before = readFileSync(doc, 'utf8');
  const after = withCurrentTables(before);
  if (after === before) process.stdout.write(`${doc} is up to date\n`);
  else {
    writeFileSync(doc, after);
    process.stdout.write(`${doc} rewritten\n`);
  }
}
