import { T0 } from './ids.js';

/**
 * The "now" a machine-test harness feeds its transitions: T0 at first, then set (`at`, an offset
 * from T0) or moved on (`later`). The recipient-machine Session and the QueueHarness both step
 * their time this way, chaining (`q.at(5_000).ready(r)`).
 */
export class TestTime {
  now = T0;

  at(ms: number): this {
    this.now = T0 + ms;
    return this;
  }

  later(ms: number): this {
    this.now += ms;
    return this;
  }
}
