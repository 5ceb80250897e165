/** One measured figure of a benchmark scenario (one row of the printed table and of the JSON file). */
export interface BenchRow {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  /** a reference figure to compare with (e.g. a previous run, or the naive design's bound) */
  baseline?: number;
  /** value / baseline */
  ratio?: number;
  /** the figure the issue asks for */
  target?: number;
  /** whether `value` meets `target` (lower is better unless the scenario says otherwise) */
  met?: boolean;
  /** what the row means, in a few words */
  note?: string;
}

/** What the runner hands every scenario. */
export interface BenchContext {
  /** `--quick`: short loads and small populations, for smoke-testing the harness (figures are not meaningful) */
  quick: boolean;
  /** a progress line (prefixed with the scenario's name) */
  log(line: string): void;
}

export interface BenchScenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}
