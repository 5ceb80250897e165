import type { Consumer, Logger } from '@qubicle/transport';

/**
 * Cancels a consumer this node no longer wants (null: none). A cancel that fails is logged as
 * `what` and not thrown: whoever stops it (a shard given up, control or presence at stop) goes on
 * stopping the rest.
 */
export async function stopConsuming(consumer: Consumer | null, logger: Logger, what: string): Promise<void> {
  if (!consumer) return;
  try {
    await consumer.cancel();
  } catch (err) {
    logger.warn({ err, what }, 'consumer cancel failed');
  }
}
