/**
 * A file-size limit (`ulimit -f`, a container's or systemd's LimitFSIZE) reached by a store write
 * sends the process SIGXFSZ, whose default action ends it: every shard of the node would go with it
 * (and its successor would hit the same limit). With the signal handled, the write itself fails
 * instead (SQLite: SQLITE_IOERR_WRITE → 503 "sqlite store unavailable: I/O error"), like on a full
 * disk, and the shards are kept (docs/cluster.md, "Store outages"). Logged at most every 10 s.
 */
import type { Logger } from '@qubicle/transport';
import { createSystemClock, type Clock } from './clock.js';

const LOG_EVERY_MS = 10_000;

export function handleFileSizeSignal(logger: Pick<Logger, 'error'>, clock: Pick<Clock, 'now'> = createSystemClock()): () => void {
  let lastLog = Number.NEGATIVE_INFINITY;
  let since = 0;
  const onSignal = (): void => {
    since++;
    const now = clock.now();
    if (now - lastLog < LOG_EVERY_MS) return;
    lastLog = now;
    logger.error({ signals: since }, 'file size limit exceeded (SIGXFSZ): store writes fail until the limit is raised or space is freed');
    since = 0;
  };
  process.on('SIGXFSZ', onSignal);
  return () => process.off('SIGXFSZ', onSignal);
}
