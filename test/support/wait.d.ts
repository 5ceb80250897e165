/**
 * Waiting for something the system does asynchronously (never a sleep-and-hope): polls `check`
 * until it returns something other than undefined/false (that value is returned), retrying when it
 * throws (a request to a service that is still starting), and fails after `timeoutMs` naming
 * `what` and the last error.
 */
export declare function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs?: number, intervalMs?: number): Promise<T>;
//# sourceMappingURL=wait.d.ts.map