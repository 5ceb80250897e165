export * from './doc-source.js';
export * from './queue-actor.js';
export * from './queue-registry.js';
export * from './queue-relay.js';
export * from './queue-routes.js';
export * from './session-service.js';
export * from './store-doc-source.js';
