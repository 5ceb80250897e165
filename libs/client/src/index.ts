export * from './rpc-caller.js';
export * from './backoff.js';
export * from './caller-failure.js';
export * from './invalid-reply.js';
export * from './shard-count.js';
export * from './shard-client.js';
export * from './recipient-client.js';
export * from './queue-client.js';
