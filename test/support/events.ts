/**
 * End-to-end helpers for acting as a queue / media service: a RecipientBusClient over the
 * system's service bus, and an event log bound to the events exchange that tests wait on
 * (with a timeout, never sleep-and-hope).
 */
import { EVENTS_EXCHANGE, validateRecipientEvent, type CallInfo, type RecipientEvent } from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import type { Bus, Consumer } from '@qubicle/transport';
import type { System } from './system.js';
import { Arrivals } from './wait.js';

export function busClient(sys: System, service = 'e2e-queue'): RecipientBusClient {
  return new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, timeoutMs: 3_000, service });
}

/** Every event received on `bindingKeys`, in delivery order. */
export class EventLog {
  private readonly arrivals = new Arrivals<RecipientEvent>((e) => `${e.recipient_id.slice(0, 6)}:${e.event}`);
  readonly events: RecipientEvent[] = this.arrivals.items;
  /** routing key of each event (same index as `events`) */
  readonly routingKeys: string[] = [];
  /** bodies that were not valid recipient events */
  readonly invalid: unknown[] = [];

  private constructor(private consumer: Consumer | null) {}

  static async start(bus: Bus, bindingKeys: string[]): Promise<EventLog> {
    const log = new EventLog(null);
    log.consumer = await bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys }, async (msg) => {
      const v = validateRecipientEvent(msg.body);
      if (v.ok) {
        log.routingKeys.push(msg.routingKey);
        log.arrivals.push(v.value);
      } else log.invalid.push(msg.body);
    });
    return log;
  }

  /** Events of one recipient, optionally of some names only. */
  of(recipientId: string, ...names: string[]): RecipientEvent[] {
    return this.events.filter((e) => e.recipient_id === recipientId && (names.length === 0 || names.includes(e.event)));
  }

  /**
   * Resolves with the first event (at index >= `from`) matching `pred`; fails after `timeoutMs`
   * naming what it waited for and what arrived.
   */
  waitFor(pred: (e: RecipientEvent) => boolean, what: string, timeoutMs = 5_000, from = 0): Promise<RecipientEvent> {
    return this.arrivals.waitFor(pred, what, timeoutMs, from);
  }

  /** Waits for the named event of `recipientId` (after index `from`). */
  next(recipientId: string, name: string, from = 0, timeoutMs = 5_000): Promise<RecipientEvent> {
    return this.waitFor((e) => e.recipient_id === recipientId && e.event === name, `${name} of ${recipientId}`, timeoutMs, from);
  }

  /** Where the next test's events start. */
  get mark(): number {
    return this.events.length;
  }

  async stop(): Promise<void> {
    await this.consumer?.cancel();
    this.consumer = null;
  }
}

let sessionCounter = 0;

/** A call waiting in queue `queueId`, as a queue service would describe it. */
export function callOf(queueId: string, over: Partial<CallInfo> = {}): CallInfo {
  sessionCounter++;
  return {
    queue_id: queueId,
    session_id: `e2e-call-${process.pid}-${Date.now().toString(36)}-${sessionCounter}`,
    caller_id_name: `Caller ${sessionCounter}`,
    caller_id_number: `+1555000${String(sessionCounter).padStart(4, '0')}`,
    queue_enter_time: Math.floor(Date.now() / 1000),
    ...over,
  };
}
