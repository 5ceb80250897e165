/**
 * A bad or missing configuration value. It names the variable, so that a process stops at once
 * with the variable and what is wrong with it rather than misbehaving later. One class for both
 * services: the embedded `npm start` loads both configurations in one process.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}
