'use strict';
/**
 * The reporter of every mocha run here (.mocharc.json): mocha's own `spec` output, then one line
 * per failure, the skipped count, and as the LAST line the one CI reads (.ci/run):
 * "N passed, N failed". CommonJS because mocha loads reporters with require().
 */
const Mocha = require('mocha');

const { EVENT_RUN_END, EVENT_TEST_FAIL } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failures = [];
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      const message = err && err.message !== undefined ? err.message : String(err);
      failures.push(`${test.fullTitle()}: ${String(message).split('\n')[0]}`);
    });
    // registered after Spec's epilogue (in super), so printed after it
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures: failed, pending } = this.stats;
      let out = '';
      if (failures.length > 0) out += `\nFailed:\n${failures.map((f) => `  - ${f}\n`).join('')}`;
      out += `\n${pending} skipped\n${passes} passed, ${failed} failed\n`;
      process.stdout.write(out);
    });
  }
}

module.exports = SummaryReporter;
