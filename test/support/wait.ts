/**
 * Waiting for something the system does asynchronously (never a sleep-and-hope): polls `check`
 * until it returns something other than undefined/false (that value is returned), retrying when it
 * throws (a request to a service that is still starting), and fails after `timeoutMs` naming
 * `what` and the last error.
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message ?? String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A list that grows as things arrive (events off the bus, frames off a socket), and waits on it:
 * `waitFor` resolves with the first item (at index >= `from`) matching `pred`, at once or when it
 * arrives, and fails after `timeoutMs` naming what it waited for and what did arrive (`describe`).
 */
export class Arrivals<T> {
  readonly items: T[] = [];
  private waiters = new Set<() => void>();

  constructor(private readonly describe: (item: T) => string) {}

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) w();
  }

  waitFor(pred: (item: T) => boolean, what: string, timeoutMs: number, from = 0): Promise<T> {
    const found = () => this.items.slice(from).find(pred);
    const now = found();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const item = found();
        if (item === undefined) return;
        done();
        resolve(item);
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.items.slice(from).map(this.describe);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${seen.join(', ') || 'nothing'}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}
