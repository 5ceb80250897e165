export { createLiveHub, LIVE_PATHS, LIVE_BUS_BINDING, type LiveHub, type LiveHubDeps, type LiveStats } from './live-hub.js';
export { createSnapshotSource, type SnapshotSource, type SnapshotSourceOptions } from './snapshot-source.js';
export { DEFAULT_LIVE_OPTIONS, type LiveOptions } from './options.js';
export { LIVE_METRIC_NAMES } from './metrics.js';
export { createQueueSnapshotSource, type QueueSnapshotSource, type QueueSnapshots, type QueueSnapshot } from './queue-snapshot-source.js';
