import type { RecipientEvent } from '@qubicle/contracts';
import type { Bus } from '@qubicle/transport';

/** Records publishes; `failNext` makes the next one reject. */
export class PublishRecorder implements Pick<Bus, 'publish'> {
  readonly published: Array<{ exchange: string; routingKey: string; body: RecipientEvent }> = [];
  private failures = 0;

  failNext(n = 1): void {
    this.failures += n;
  }

  async publish(exchange: string, routingKey: string, body: unknown): Promise<void> {
    await Promise.resolve();
    if (this.failures > 0) {
      this.failures--;
      throw new Error('broker gone');
    }
    this.published.push({ exchange, routingKey, body: body as RecipientEvent });
  }

  get events(): RecipientEvent[] {
    return this.published.map((p) => p.body);
  }

  names(): string[] {
    return this.events.map((e) => e.event);
  }
}
