/**
 * What a better-sqlite3 error means to a caller: failures of the database itself (read-only, disk
 * full, I/O error, …) become StoreError('unavailable') whose message names the store and the
 * reason (never a path or a secret): "sqlite store unavailable: I/O error (SQLITE_IOERR_WRITE)".
 */
import { StoreError } from '../errors.js';

/** SQLite result codes that mean "the database cannot be used right now", with the reason a client is told. */
const UNAVAILABLE_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/^SQLITE_(BUSY|LOCKED)/, 'locked'],
  [/^SQLITE_FULL/, 'disk full'],
  [/^SQLITE_READONLY/, 'read-only'],
  [/^SQLITE_IOERR/, 'I/O error'],
  [/^SQLITE_CANTOPEN/, 'cannot open the database file'],
  [/^SQLITE_NOMEM/, 'out of memory'],
  [/^SQLITE_PROTOCOL/, 'locking protocol error'],
  [/^SQLITE_(NOTADB|CORRUPT)/, 'database file corrupt'],
];

export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isConstraintError(err: unknown): boolean {
  return sqliteCode(err)?.startsWith('SQLITE_CONSTRAINT') ?? false;
}

/** A better-sqlite3 error → StoreError unavailable when the database cannot be used (exported for its test). */
export function sqliteStoreError(err: unknown): unknown {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err);
  const reason = code === undefined ? undefined : UNAVAILABLE_REASONS.find(([re]) => re.test(code))?.[1];
  if (reason !== undefined) {
    return new StoreError('unavailable', `sqlite store unavailable: ${reason} (${code})`, { cause: err });
  }
  if (err instanceof TypeError && /database connection is not open/i.test(err.message)) {
    return new StoreError('unavailable', 'sqlite store is closed', { cause: err });
  }
  return err;
}
