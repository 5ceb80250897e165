/**
 * A Store that times its writes for the metrics (qubicle_worker_store_write_duration_seconds by
 * operation, and the failed ones). Reads pass through untouched. A Proxy rather than a class so
 * that a method added to the port later passes through without being forgotten here; methods are
 * bound to the real store (the adapters may use private fields).
 */
import type { WorkerMetricsSink } from '../metrics.js';
import type { Store } from './port.js';

/** The Store methods that write (the `operation` label values). */
export const STORE_WRITE_OPERATIONS = [
  'getOrSetMeta',
  'createAccount',
  'updateAccount',
  'createUser',
  'updateUser',
  'deleteUser',
  'saveRecipients',
  'saveRecipientGroups',
  'logoutRecipient',
  'deleteOutbox',
  'appendSession',
  'heartbeatNode',
  'removeNode',
  'tryAcquireLease',
  'renewLease',
  'releaseLease',
  'claimShard',
  'revokeToken',
  'createQueue',
  'updateQueue',
  'deleteQueue',
  'setRoster',
  'setQueueRoles',
  'forgetQueueMember',
] as const satisfies ReadonlyArray<keyof Store>;

const WRITES = new Set<string | symbol>(STORE_WRITE_OPERATIONS);

export function instrumentStore(store: Store, metrics: Pick<WorkerMetricsSink, 'storeWrite'>): Store {
  const bound = new Map<string | symbol, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(prop);
      if (fn === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        fn = WRITES.has(prop)
          ? async (...args: unknown[]) => {
              const started = performance.now();
              let ok = false;
              try {
                const result = await method.apply(target, args);
                ok = true;
                return result;
              } finally {
                metrics.storeWrite(String(prop), (performance.now() - started) / 1000, ok);
              }
            }
          : method.bind(target);
        bound.set(prop, fn);
      }
      return fn;
    },
  });
}
