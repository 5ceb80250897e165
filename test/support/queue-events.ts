/**
 * End-to-end helper: every queue event (`qubicle.queue.{account}.*.*`) of an account, validated,
 * in delivery order, that tests wait on with a timeout (never sleep-and-hope).
 */
import { strict as assert } from 'node:assert';
import { EVENTS_EXCHANGE, validateQueueEvent, type QueueEvent } from '@qubicle/contracts';
import type { Consumer } from '@qubicle/transport';
import type { System } from './system.js';
import { Arrivals } from './wait.js';

export class QueueEventLog {
  private readonly arrivals = new Arrivals<QueueEvent>((e) => `${e.event}#${e.seq}`);
  readonly events: QueueEvent[] = this.arrivals.items;
  private consumer: Consumer | null = null;

  static async start(sys: System, accountId: string): Promise<QueueEventLog> {
    const log = new QueueEventLog();
    log.consumer = await sys.serviceBus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: [`qubicle.queue.${accountId}.*.*`] }, async (msg) => {
      const v = validateQueueEvent(msg.body);
      assert.ok(v.ok, `an invalid queue event: ${JSON.stringify(msg.body).slice(0, 300)}`);
      log.arrivals.push(v.value);
    });
    return log;
  }

  waitFor(pred: (e: QueueEvent) => boolean, what: string, timeoutMs = 8_000): Promise<QueueEvent> {
    return this.arrivals.waitFor(pred, what, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.consumer?.cancel();
  }
}
