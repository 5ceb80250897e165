import { QubicleFailure } from '@qubicle/contracts';

/**
 * What a caller's own failure is to a client: a bus error (a `TransportError` of
 * @qubicle/transport, known by its name and `kind` so that this package needs no transport) is a
 * QubicleFailure `timeout` (no reply in time) or `unavailable` (no broker, no such queue, bus
 * closed), with the bus error as its `cause`; so every caller decides what to retry with ONE table
 * (`isRetryable` of the contracts). A QubicleFailure stays as it is. Anything else (a bug) is
 * returned unchanged.
 */
export function callerFailure(err: unknown): unknown {
  if (err instanceof QubicleFailure) return err;
  if (!(err instanceof Error) || err.name !== 'TransportError') return err;
  const kind = (err as { kind?: unknown }).kind;
  const failure =
    kind === 'timeout'
      ? new QubicleFailure({ code: 'timeout', message: 'no worker answered in time' })
      : new QubicleFailure({ code: 'unavailable', message: `message bus ${kind === 'closed' ? 'closed' : 'unavailable'}` });
  Object.defineProperty(failure, 'cause', { value: err, enumerable: false, configurable: true, writable: true });
  return failure;
}
