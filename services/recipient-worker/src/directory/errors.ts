import { QubicleFailure, type QubicleError, type ValidationDetails } from '@qubicle/contracts';
import { StoreError } from '../store/port.js';
import type { DirectoryLogger } from './types.js';

/** Crossbar's 404 for an unknown document: message "bad identifier", cause = the id asked for. */
export function notFound(id: string): QubicleFailure {
  return new QubicleFailure({ code: 'not_found', message: 'bad identifier', cause: id });
}

/** One message for every failed login (unknown account, unknown user, wrong password, disabled user). */
export const UNAUTHORIZED_MESSAGE = 'invalid credentials';
export function unauthorized(): QubicleFailure {
  return new QubicleFailure({ code: 'unauthorized', message: UNAUTHORIZED_MESSAGE });
}

/** Duplicate username in the account (KAZOO: "username already in use"); cause = the username. */
export function usernameInUse(username: string): QubicleFailure {
  return new QubicleFailure({ code: 'conflict', message: 'username already in use', cause: username });
}

/** A stale `rev` (KAZOO's datastore_conflict: 409 "conflicting documents"); cause = the document id. */
export function revisionConflict(id: string): QubicleFailure {
  return new QubicleFailure({ code: 'conflict', message: 'conflicting documents', cause: id });
}

export function invalidData(details: ValidationDetails): QubicleFailure {
  return new QubicleFailure({ code: 'invalid_data', message: 'invalid data', details });
}

function transportKind(err: unknown): string | undefined {
  if (err instanceof Error && err.name === 'TransportError') {
    const kind = (err as { kind?: unknown }).kind;
    return typeof kind === 'string' ? kind : undefined;
  }
  return undefined;
}

/** What is safe to log about an unexpected error: its name, message and stack (never a request body). */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const out: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
    const kind = (err as { kind?: unknown }).kind;
    if (typeof kind === 'string') out['kind'] = kind;
    return out;
  }
  return { value: typeof err };
}

/**
 * Maps anything a request handler threw to the error of the reply.
 * QubicleFailure → its error; StoreError unavailable (naming the store)/conflict/not_found → unavailable/conflict/not_found;
 * a bus failure while logging a recipient out → timeout/unavailable; anything else → internal (logged).
 */
export function errorOf(err: unknown, logger: DirectoryLogger, meta: Record<string, unknown>): QubicleError {
  if (err instanceof QubicleFailure) return err.error;
  if (err instanceof StoreError) {
    switch (err.kind) {
      case 'unavailable':
        logger.warn({ ...meta, err: describeError(err) }, 'directory: store unavailable');
        // the adapters' unavailable messages name the store and a short reason, never a secret
        return { code: 'unavailable', message: `datastore unavailable: ${err.message}` };
      case 'conflict':
        return { code: 'conflict', message: 'conflicting documents' };
      case 'not_found':
        return { code: 'not_found', message: 'bad identifier' };
      default:
        break;
    }
  }
  const kind = transportKind(err);
  if (kind === 'timeout') {
    logger.warn({ ...meta, err: describeError(err) }, 'directory: bus call timed out');
    return { code: 'timeout', message: 'timeout' };
  }
  if (kind !== undefined) {
    logger.warn({ ...meta, err: describeError(err) }, 'directory: bus unavailable');
    return { code: 'unavailable', message: 'bus unavailable' };
  }
  logger.error({ ...meta, err: describeError(err) }, 'directory: request failed');
  return { code: 'internal', message: 'internal error' };
}
