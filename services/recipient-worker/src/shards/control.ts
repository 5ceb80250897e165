/**
 * The cluster's control broadcasts (contracts: bus/control): what this node announces
 * (`node_joined`, `node_leaving`, `shards_released`, `shards_taken`, `shards_held`) and what it
 * does with the others' announcements, through two callbacks:
 *   - `shards_taken` / `shards_held` carry epochs: `onEpochs` (a newer epoch of a shard this node
 *     still holds suspended makes it give the shard up; the peer just wrote through the store, so
 *     a renewal held up by a store fault is retried at once);
 *   - anything else changes who should hold what: `onMembershipChange` (a balance round now).
 * A broadcast that cannot be published is only logged: the others notice on their next round.
 */
import { CLUSTER_CONTROL_BINDING, CONTROL_EXCHANGE, clusterControlKey, validateClusterControl, type ClusterControlMessage, type ClusterControlType } from '@qubicle/contracts';
import type { Bus, Consumer, Logger } from '@qubicle/transport';
import type { Clock } from '../clock.js';
import { stopConsuming } from './stop-consuming.js';

export interface ControlOptions {
  bus: Pick<Bus, 'declareExchange' | 'subscribe' | 'publish'>;
  clock: Pick<Clock, 'now'>;
  logger: Logger;
  node: string;
  /** A peer announced the epochs under which it holds these shards (same length). */
  onEpochs(from: string, shards: number[], epochs: number[]): void;
  /** A peer joined, left or released shards. */
  onMembershipChange(msg: ClusterControlMessage): void;
}

export class Control {
  private consumer: Consumer | null = null;

  constructor(private readonly opts: ControlOptions) {}

  async start(): Promise<void> {
    const { bus, logger, node } = this.opts;
    await bus.declareExchange(CONTROL_EXCHANGE, 'topic');
    this.consumer = await bus.subscribe({ exchange: CONTROL_EXCHANGE, bindingKeys: [CLUSTER_CONTROL_BINDING] }, async (msg) => {
      const control = validateClusterControl(msg.body);
      if (!control.ok) {
        logger.warn({ details: control.details }, 'invalid cluster control message ignored');
        return;
      }
      this.receive(control.value);
    });
  }

  /** What one valid broadcast means for this node (exposed for tests). */
  receive(msg: ClusterControlMessage): void {
    if (msg.node === this.opts.node) return;
    if (msg.type === 'shards_taken' || msg.type === 'shards_held') {
      const { shards, epochs } = msg;
      if (shards && epochs && epochs.length === shards.length) this.opts.onEpochs(msg.node, shards, epochs);
      else this.opts.onEpochs(msg.node, [], []);
      return;
    }
    this.opts.logger.debug({ control: msg }, 'cluster control');
    this.opts.onMembershipChange(msg);
  }

  async announce(type: ClusterControlType, shards?: number[], epochs?: number[]): Promise<void> {
    const { bus, node, clock, logger } = this.opts;
    const msg: ClusterControlMessage = { type, node, at: clock.now(), ...(shards ? { shards } : {}), ...(epochs ? { epochs } : {}) };
    try {
      await bus.publish(CONTROL_EXCHANGE, clusterControlKey(type), msg);
    } catch (err) {
      logger.warn({ err, type }, 'cluster control broadcast failed (the others will notice on their next round)');
    }
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await stopConsuming(consumer, this.opts.logger, 'control');
  }
}
