import { startHarness, type Harness, type HarnessOptions } from './harness.js';

/**
 * A fresh harness for every test of the enclosing describe: started before each test and handed
 * to `keep` (which stores it, and derives the test's urls from it), closed after the test, so no
 * test sees another's bus, worker or tokens.
 */
export function harnessEachTest(keep: (h: Harness) => void, opts?: HarnessOptions): void {
  let current: Harness | undefined;
  beforeEach(async () => {
    current = undefined;
    current = await startHarness(opts);
    keep(current);
  });
  afterEach(async () => {
    await current?.close();
  });
}
