/**
 * The public surface of @qubicle/transport. Everything else under src/ is internal: the AMQP
 * plumbing (connection, channels, batchers) and the memory broker are reached only through
 * `createAmqpBus` / `createMemoryBus` and the `Bus` interface.
 */
export * from './bus.js';
export * from './errors.js';
export { topicMatches } from './topic.js';
export { deadLetterHeaders, DEAD_LETTER_HEADERS, DEAD_LETTER_REASON_MAX } from './wire.js';
export { createAmqpBus, type AmqpBus, type AmqpBusOptions } from './amqp/amqp-bus.js';
export { amqpUserOf } from './amqp/user-id.js';
/** For a raw amqplib connection that should write like the bus's (benchmarks): one writev per turn. */
export { coalesceWrites } from './amqp/write-coalescing.js';
export { createMemoryBus, type MemoryBus, type MemoryBusOptions, type DeadLetter } from './memory/memory-bus.js';
