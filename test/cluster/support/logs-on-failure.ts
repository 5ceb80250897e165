import type { Cluster } from './cluster.js';

/**
 * The end of a cluster run, for the enclosing describe: watches (afterEach) whether a test
 * failed; `stop` then stops the cluster and keeps its processes' logs when one did (or when
 * CLUSTER_KEEP_LOGS=1), printing the folder, so a failed run can be read after the processes
 * are gone. `run` names the run in that line.
 */
export function logsOnFailure(run = 'cluster run'): { stop(c: Cluster | undefined): Promise<void> } {
  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });
  return {
    async stop(c) {
      if (!c) return;
      const logs = await c.stop({ failed: failed || process.env['CLUSTER_KEEP_LOGS'] === '1' });
      if (logs) process.stdout.write(`    (process logs of the ${run} kept in ${logs})\n`);
    },
  };
}
