/**
 * Reads of one account that arrive within `windowMs` share ONE run: the first asker opens a batch,
 * later ones join it (adding their extra ids), and every joiner gets the same result. Used for the
 * recipient snapshots (snapshot-batcher.ts) and the queue snapshots (queue-snapshot-batcher.ts).
 *
 * Correct for every joiner because a socket starts holding live events BEFORE it asks, and a
 * batch is run only after its last joiner asked: the read is never older than any joiner's held
 * events.
 */
interface Batch<R> {
  extra: Set<string>;
  waiters: Array<{ resolve: (r: R) => void; reject: (err: unknown) => void }>;
}

export function batchPerAccount<R>(windowMs: number, run: (accountId: string, extraIds: ReadonlySet<string>) => Promise<R>): (accountId: string, extraIds?: readonly string[]) => Promise<R> {
  const pending = new Map<string, Batch<R>>();
  return (accountId, extraIds = []) =>
    new Promise<R>((resolve, reject) => {
      let batch = pending.get(accountId);
      if (!batch) {
        const fresh: Batch<R> = { extra: new Set(), waiters: [] };
        batch = fresh;
        pending.set(accountId, fresh);
        setTimeout(() => {
          pending.delete(accountId); // later askers start the next batch
          run(accountId, fresh.extra).then(
            (r) => fresh.waiters.forEach((w) => w.resolve(r)),
            (err: unknown) => fresh.waiters.forEach((w) => w.reject(err)),
          );
        }, windowMs);
      }
      for (const id of extraIds) batch.extra.add(id);
      batch.waiters.push({ resolve, reject });
    });
}
