/**
 * Child process of the SQLite lock tests (not a test file itself): another process holding the
 * database's write lock, as an operator's `sqlite3` shell with an open transaction, a backup tool
 * or a stuck process would.
 * argv: <sqlite file>
 * Opens the file, takes the write lock (BEGIN IMMEDIATE, waiting for it as long as needed), prints
 * "locked", and keeps it until a line "release" arrives on stdin (or stdin ends): then rolls back,
 * prints "released" and exits 0.
 */
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: lock-holder-child <sqlite file>\n');
  process.exit(2);
}
const db = new Database(file, { timeout: 30_000 });
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');

const release = (): void => {
  if (db.inTransaction) db.exec('ROLLBACK');
  db.close();
  process.stdout.write('released\n');
  process.exit(0);
};
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'release') release();
});
lines.on('close', release);
