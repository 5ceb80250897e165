/**
 * What a driver error means to a caller. Connection problems (server selection, network, closed
 * client, primary stepping down...) become StoreError('unavailable') with a message that names the
 * store and a short reason ("mongodb store unavailable: no reachable server within 2000 ms"):
 * never the URL, a host or a credential (the driver's own error stays as `cause`, for the log).
 */
import {
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { StoreError } from '../errors.js';

/** Default of `timeoutMs` (STORE_TIMEOUT_MS). */
export const MONGO_DEFAULT_TIMEOUT_MS = 2000;

/** Server error codes that mean the server cannot serve us right now, by name (the reason given). */
const UNAVAILABLE_CODES = new Map<number, string>([
  [6, 'HostUnreachable'],
  [7, 'HostNotFound'],
  [89, 'NetworkTimeout'],
  [91, 'ShutdownInProgress'],
  [189, 'PrimarySteppedDown'],
  [9001, 'SocketException'],
  [10107, 'NotWritablePrimary'],
  [11600, 'InterruptedAtShutdown'],
  [11602, 'InterruptedDueToReplStateChange'],
  [13435, 'NotPrimaryNoSecondaryOk'],
  [13436, 'NotPrimaryOrSecondary'],
]);

export function isDuplicateKey(err: unknown): boolean {
  if (!(err instanceof MongoServerError)) return false;
  if (err.code === 11000) return true;
  const writeErrors: unknown = (err as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.some((e) => (e as { code?: unknown }).code === 11000);
}

/**
 * The short reason a client is told when the store cannot serve (null: not an availability
 * problem). Never the driver's message: it may name hosts.
 */
function unavailableReason(err: unknown, timeoutMs: number): string | null {
  if (err instanceof MongoServerSelectionError) return `no reachable server within ${timeoutMs} ms`;
  if (err instanceof MongoNetworkTimeoutError) return 'network timeout';
  if (err instanceof MongoNetworkError) return 'network error';
  if (err instanceof MongoOperationTimeoutError) return 'operation timed out';
  if (err instanceof MongoNotConnectedError || err instanceof MongoTopologyClosedError || err instanceof MongoClientClosedError) {
    return 'client not connected';
  }
  if (err instanceof MongoServerClosedError) return 'server closed';
  if (err instanceof MongoError) {
    if (err.name === 'MongoWaitQueueTimeoutError') return `no free connection within ${timeoutMs} ms`;
    const named = typeof err.code === 'number' ? UNAVAILABLE_CODES.get(err.code) : undefined;
    if (named !== undefined) return named;
    if (err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('ResetPool')) return 'connection reset';
  }
  return null;
}

/** A driver error → StoreError unavailable naming the store and the reason (exported for its test). */
export function mongoStoreError(err: unknown, timeoutMs = MONGO_DEFAULT_TIMEOUT_MS): unknown {
  if (err instanceof StoreError) return err;
  const reason = unavailableReason(err, timeoutMs);
  return reason === null ? err : new StoreError('unavailable', `mongodb store unavailable: ${reason}`, { cause: err });
}
