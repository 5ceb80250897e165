/**
 * A mailbox runs the tasks given to it one at a time, in order: the serialisation point
 * of one recipient (its commands, call events and timers never interleave, and each one
 * sees the state the previous one left, persisted).
 */
export class Mailbox {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Tasks waiting or running. */
  get size(): number {
    return this.queued;
  }

  /** Runs `task` after every task posted before it; a failing task does not stop the next. */
  post<T>(task: () => Promise<T>): Promise<T> {
    this.queued++;
    const run = this.tail.then(task);
    this.tail = run.then(
      () => this.queued--,
      () => this.queued--,
    );
    return run;
  }

  /** Resolves once every task posted so far has finished. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.tail;
  }
}
