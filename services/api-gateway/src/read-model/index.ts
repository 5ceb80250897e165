export { RecipientReadModel, type ReadModelOptions, type ReadModelStats, type ReadTicket } from './read-model.js';
export { startReadModelFeed, READ_MODEL_EVENT_BINDING, type ReadModelFeed, type ReadModelFeedDeps } from './feed.js';
export { SharedEvents, type SharedEventsOptions } from './shared-events.js';
