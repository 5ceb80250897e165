/**
 * Load and audit for the fault tests (test/faults/) and the chaos script (bench/chaos/):
 *
 * - `StatusLoad`: recipients flipping ready/away as fast as the worker answers, each command retried
 *   WITH ITS COMMAND ID until acknowledged (a queue service that does not give up), so that when the
 *   load stops every recipient's last acknowledged status is its current one.
 * - `SeqAudit`: a consumer bound to qubicle.events on a DURABLE queue (it survives its own
 *   connection being closed, so what it misses is the worker's fault, not its own), recording every
 *   seq per recipient; `report()` names the holes between a recipient's first event and the seq it
 *   must end at, and whether its last event shows the last acknowledged status.
 */
import { randomBytes } from 'node:crypto';
import {
  EVENTS_EXCHANGE,
  isRetryableFailure,
  accountEventBinding,
  newKazooId,
  validateRecipientEvent,
  type RecipientEvent,
  type RecipientStatus,
} from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import type { Bus, Consumer } from '@qubicle/transport';

export class StatusLoad {
  /** acknowledged commands */
  acked = 0;
  /** attempts that failed (timeout, unavailable, disconnected) and were retried with the same id */
  retried = 0;
  /** last acknowledged status per recipient */
  readonly last = new Map<string, RecipientStatus>();
  /** errors other than the retryable ones */
  readonly errors: string[] = [];
  private running = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    private readonly client: RecipientBusClient,
    private readonly accountId: string,
    private readonly ids: readonly string[],
    private readonly opts: { timeoutMs?: number } = {},
  ) {}

  /** Logs everyone in (retrying like the rest), then starts the flips. */
  async start(): Promise<void> {
    this.running = true;
    await Promise.all(this.ids.map((id) => this.until(id, (commandId) => this.client.login(this.accountId, id, { commandId, timeoutMs: this.timeout }))));
    this.loops = this.ids.map((id) => this.flip(id));
  }

  /** Stops after each recipient's command in flight was acknowledged. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private get timeout(): number {
    return this.opts.timeoutMs ?? 2_000;
  }

  private async flip(id: string): Promise<void> {
    let ready = true;
    while (this.running) {
      const want = ready ? 'ready' : 'away';
      await this.until(id, (commandId) => this.client.setStatus(this.accountId, id, want, { commandId, timeoutMs: this.timeout }));
      ready = !ready;
    }
  }

  /** One command, sent again with the same id until it is acknowledged. */
  private async until(id: string, send: (commandId: string) => Promise<RecipientStatus>): Promise<void> {
    const commandId = newKazooId();
    for (;;) {
      try {
        this.last.set(id, await send(commandId));
        this.acked++;
        return;
      } catch (err) {
        // the contracts' table (the client turns a bus failure into timeout / unavailable)
        if (!isRetryableFailure(err)) {
          this.errors.push(`${id}: ${(err as Error).message}`);
          return;
        }
        this.retried++;
        // pacing between attempts of a client that keeps trying (not a wait for a condition)
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

export interface RecipientAudit {
  recipient_id: string;
  /** seqs between the first event seen and `endSeq` that never arrived */
  missing: number[];
  /** the last event seen is the recipient's current seq */
  endsAtCurrent: boolean;
  /** ...and shows the last acknowledged status */
  endsWithLastAck: boolean;
  events: number;
  duplicates: number;
}

export class SeqAudit {
  private readonly seen = new Map<string, { seqs: Set<number>; last: RecipientEvent | null; received: number }>();
  readonly invalid: unknown[] = [];

  private constructor(private consumer: Consumer | null) {}

  /** Binds a durable queue of its own (named at random) to one account's events. */
  static async start(bus: Bus, accountId: string): Promise<SeqAudit> {
    const audit = new SeqAudit(null);
    const name = `qubicle.test.audit.${randomBytes(6).toString('hex')}`;
    audit.consumer = await bus.subscribe(
      { exchange: EVENTS_EXCHANGE, bindingKeys: [accountEventBinding(accountId)], queue: { name, durable: true }, prefetch: 500 },
      async (msg) => {
        const v = validateRecipientEvent(msg.body);
        if (!v.ok) {
          audit.invalid.push(msg.body);
          return;
        }
        const e = v.value;
        let r = audit.seen.get(e.recipient_id);
        if (!r) audit.seen.set(e.recipient_id, (r = { seqs: new Set(), last: null, received: 0 }));
        r.seqs.add(e.seq);
        r.received++;
        if (!r.last || e.seq > r.last.seq) r.last = e;
      },
    );
    return audit;
  }

  /** The highest seq seen for a recipient (undefined: none). */
  maxSeq(recipientId: string): number | undefined {
    return this.seen.get(recipientId)?.last?.seq;
  }

  /**
   * Per recipient: the holes between its first event and `current.seq` (the seq of its state in the
   * store when the load stopped), and whether it ends there with the last acknowledged status.
   */
  report(ids: readonly string[], current: Map<string, number>, lastAck: Map<string, RecipientStatus>): RecipientAudit[] {
    return ids.map((id) => {
      const r = this.seen.get(id);
      const endSeq = current.get(id) ?? -1;
      const seqs = r ? [...r.seqs].sort((a, b) => a - b) : [];
      const missing: number[] = [];
      if (seqs.length > 0) for (let s = seqs[0]!; s <= endSeq; s++) if (!r!.seqs.has(s)) missing.push(s);
      return {
        recipient_id: id,
        missing,
        endsAtCurrent: r?.last?.seq === endSeq,
        endsWithLastAck: r?.last?.status.availability_state === lastAck.get(id)?.availability_state,
        events: seqs.length,
        duplicates: (r?.received ?? 0) - seqs.length,
      };
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.cancel();
    this.consumer = null;
  }
}

/** One line for a log or an assertion message: how many gaps, missing last events, duplicates. */
export function summarise(audits: readonly RecipientAudit[]): { recipients: number; gaps: number; missingLast: number; wrongLast: number; events: number; duplicates: number } {
  return {
    recipients: audits.length,
    gaps: audits.reduce((n, a) => n + a.missing.length, 0),
    missingLast: audits.filter((a) => !a.endsAtCurrent).length,
    wrongLast: audits.filter((a) => !a.endsWithLastAck).length,
    events: audits.reduce((n, a) => n + a.events, 0),
    duplicates: audits.reduce((n, a) => n + a.duplicates, 0),
  };
}
