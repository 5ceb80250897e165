export * from './bus.js';
export * from './errors.js';
export { topicMatches } from './topic.js';
export { createAmqpBus, type AmqpBus, type AmqpBusOptions } from './amqp/amqp-bus.js';
export {
  AmqpConnection,
  type AmqpConnectionOptions,
  type SetupFn,
  type SetupHandle,
  type SetupOptions,
} from './amqp/connection.js';
export { RpcClient, DIRECT_REPLY_TO } from './amqp/rpc-client.js';
export { serve } from './amqp/rpc-server.js';
export { EventPublisher, subscribe, DEFAULT_SUBSCRIBE_PREFETCH, type PublishOptions } from './amqp/events.js';
export { Topology, type ExchangeType } from './amqp/topology.js';
export { amqpUserOf } from './amqp/user-id.js';
export { createMemoryBus, type MemoryBus, type MemoryBusOptions, type DeadLetter } from './memory/memory-bus.js';
