/**
 * End-to-end helper: every queue event (`qubicle.queue.{account}.*.*`) of an account, validated,
 * in delivery order, that tests wait on with a timeout (never sleep-and-hope).
 */
import { strict as assert } from 'node:assert';
import { EVENTS_EXCHANGE, validateQueueEvent, type QueueEvent } from '@qubicle/contracts';
import type { Consumer } from '@qubicle/transport';
import type { System } from './system.js';

export class QueueEventLog {
  readonly events: QueueEvent[] = [];
  private consumer: Consumer | null = null;
  private waiters: Array<() => void> = [];

  static async start(sys: System, accountId: string): Promise<QueueEventLog> {
    const log = new QueueEventLog();
    log.consumer = await sys.serviceBus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [`qubicle.queue.${accountId}.*.*`] }, async (msg) => {
      const v = validateQueueEvent(msg.body);
      assert.ok(v.ok, `an invalid queue event: ${JSON.stringify(msg.body).slice(0, 300)}`);
      log.events.push(v.value);
      for (const w of [...log.waiters]) w();
    });
    return log;
  }

  waitFor(pred: (e: QueueEvent) => boolean, what: string, timeoutMs = 8_000): Promise<QueueEvent> {
    const found = () => this.events.find(pred);
    const now = found();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = found();
        if (!e) return;
        done();
        resolve(e);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; received: ${this.events.map((e) => `${e.event}#${e.seq}`).join(', ') || 'nothing'}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.cancel();
  }
}
