/** The row each service keeps for every variable it reads: the source of docs/configuration.md and of the deploy tests. */

/** Which processes read a variable: the gateway or the worker alone, or the embedded `npm start` (gateway + worker in one process). */
export type ConfigService = 'gateway' | 'worker' | 'embedded';

export interface ConfigVariable {
  name: string;
  /** As documented (null = no default: unset means absent or off, or required). */
  default: string | null;
  description: string;
  services: readonly ConfigService[];
  /** A credential (or a URL that may carry one): from a Secret, never a ConfigMap or a log line. */
  secret: boolean;
}
