/** What every adapter is, whatever aggregates it holds: a connection that starts, answers and stops. */
export type StoreKind = 'sqlite' | 'mongodb' | 'memory';

export interface StoreLifecycle {
  readonly kind: StoreKind;
  /** Create tables / indexes; idempotent; safe when several processes do it at once. */
  init(): Promise<void>;
  /** Throws StoreError('unavailable') when the store cannot be reached. */
  ping(): Promise<void>;
  /** Every later operation throws StoreError('unavailable'). */
  close(): Promise<void>;
  /**
   * Calls `listener` when the store, which the adapter itself found unavailable, answers again
   * (SQLite: the lock another process held was released). Returns the unsubscribe. Optional: an
   * adapter that only learns it from the next operation (MongoDB) has none, and the caller's own
   * retries find out.
   */
  onAvailable?(listener: () => void): () => void;
}
