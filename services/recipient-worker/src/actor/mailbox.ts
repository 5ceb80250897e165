/**
 * A mailbox runs the tasks given to it one at a time, in order: the serialisation point
 * of one recipient (its commands, call events and timers never interleave, and each one
 * sees the state the previous one left, persisted).
 *
 * An idle mailbox holds nothing but a counter (no settled promise kept around): there is one
 * per logged-in recipient, most of them idle (docs/performance.md).
 */
export class Mailbox {
  private tail: Promise<unknown> | null = null;
  private queued = 0;

  /** Tasks waiting or running. */
  get size(): number {
    return this.queued;
  }

  /** Runs `task` after every task posted before it; a failing task does not stop the next. */
  post<T>(task: () => Promise<T>): Promise<T> {
    this.queued++;
    // always started asynchronously, as before: a poster's next lines run before the task does
    const run = (this.tail ?? Promise.resolve()).then(task);
    const tail: Promise<unknown> = run.then(
      () => this.settle(tail),
      () => this.settle(tail),
    );
    this.tail = tail;
    return run;
  }

  /** Resolves once every task posted so far has finished. */
  async idle(): Promise<void> {
    while (this.queued > 0 && this.tail) await this.tail;
  }

  private settle(tail: Promise<unknown>): void {
    this.queued--;
    if (this.queued === 0 && this.tail === tail) this.tail = null;
  }
}
