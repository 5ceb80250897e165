/**
 * `npm run fuzz [-- --runs=N] [--seed=N] [--grep=...]`: the property-based fuzz suite (test/fuzz/)
 * with many more cases than `npm test` runs (FUZZ_RUNS 25, fixed FUZZ_SEED). Defaults: 200 cases
 * per row and a fresh random seed, printed first: a failure is replayed with the same --seed (and
 * fast-check prints the shrunk counterexample). FUZZ_RUNS / FUZZ_SEED in the environment work too.
 * Runs through scripts/test.ts (mocha; the root hook checks the broker; the "N passed, N failed" line).
 */
const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const runs = flag('runs') ?? process.env['FUZZ_RUNS'] ?? '200';
const seed = flag('seed') ?? process.env['FUZZ_SEED'] ?? String(Math.floor(Math.random() * 2 ** 31));
for (const [name, value] of [['runs', runs], ['seed', seed]] as const) {
  if (!/^-?\d+$/.test(value)) {
    process.stderr.write(`npm run fuzz: --${name} must be an integer, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
}
process.env['FUZZ_RUNS'] = runs;
process.env['FUZZ_SEED'] = seed;
process.stdout.write(`[fuzz] FUZZ_SEED=${seed} FUZZ_RUNS=${runs} (replay: npm run fuzz -- --seed=${seed} --runs=${runs})\n`);

const rest = args.filter((a) => !a.startsWith('--runs=') && !a.startsWith('--seed='));
const paths = rest.filter((a) => !a.startsWith('--'));
process.argv = [process.argv[0]!, process.argv[1]!, ...(paths.length ? paths : ['test/fuzz']), ...rest.filter((a) => a.startsWith('--'))];
await import('./test.js');
