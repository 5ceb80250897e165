/**
 * `npm run check:kazoo-sdk -- <jquery.kazoosdk.js>`: does the SDK stand-in the tests drive
 * (test/support/kazoo-sdk.ts) have the real SDK's qubicle methods? Exit 1 on any drift.
 */
import { readFileSync } from 'node:fs';
import { sdkTableDrift } from './lib/kazoo-sdk-table.js';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: npm run check:kazoo-sdk -- <path to monster-ui src/js/lib/jquery.kazoosdk.js>\n');
  process.exit(2);
}
const drift = sdkTableDrift(readFileSync(path, 'utf8'));
if (drift.length === 0) process.stdout.write(`${path}: the qubicleQueues and qubicleRecipients tables agree\n`);
else process.stdout.write(`${path}: ${drift.length} difference(s)\n${drift.map((d) => `  ${d}`).join('\n')}\n`);
process.exit(drift.length === 0 ? 0 : 1);
