/** `npm run docs:bus`: rewrites the generated message reference and shard vectors of docs/bus.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { BUS_DOC, withCurrentBusDocs } from './lib/bus-docs.js';

const before = readFileSync(BUS_DOC, 'utf8');
const after = withCurrentBusDocs(before);
if (after === before) process.stdout.write(`${BUS_DOC} is up to date\n`);
else {
  writeFileSync(BUS_DOC, after);
  process.stdout.write(`${BUS_DOC} rewritten\n`);
}
