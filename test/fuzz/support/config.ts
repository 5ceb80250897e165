/** How many fuzz cases, from which seed: `npm test` uses the defaults, `npm run fuzz` sets both. */
/** FUZZ_SEED / FUZZ_RUNS: `npm test` uses the defaults (fixed seed, few runs), `npm run fuzz` more. */
export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20_251_111);
export const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 25);
if (!Number.isInteger(FUZZ_SEED) || !Number.isInteger(FUZZ_RUNS) || FUZZ_RUNS < 1) {
  throw new Error(`FUZZ_SEED and FUZZ_RUNS must be integers (FUZZ_RUNS >= 1), got ${process.env['FUZZ_SEED']} / ${process.env['FUZZ_RUNS']}`);
}

/** fast-check parameters of one row: the suite's seed mixed with the row's name (rows differ, runs repeat). */
export function fuzzParams(row: string, runs = FUZZ_RUNS): { seed: number; numRuns: number; endOnFailure: boolean } {
  let h = FUZZ_SEED | 0;
  for (let i = 0; i < row.length; i++) h = Math.imul(h ^ row.charCodeAt(i), 0x01000193);
  return { seed: h | 0, numRuns: runs, endOnFailure: true };
}

/** Per-row mocha timeout for FUZZ_RUNS cases of up to `perCaseMs`. */
export const rowTimeout = (perCaseMs: number): number => Math.max(30_000, FUZZ_RUNS * perCaseMs * 3);
